//! Geometry checks and repairs for `zones.geojson` (spec §1, `--repair`).
//!
//! What `geo` 0.33 offers and what is used here:
//! - [`Validation`] finds the problem (self-intersection, hole outside its
//!   shell, rings that cross); it does not say *where*, so
//!   [`ring_crossing`] finds a crossing point to report.
//! - [`MakeValid`] (Ledoux et al. 2014, constrained Delaunay triangulation,
//!   odd–even fill) is geo's equivalent of GEOS `make_valid` / `buffer(0)`:
//!   a bow-tie becomes two triangles, a ring that touches itself is split
//!   at the touching point. It is applied to the shell and to each hole
//!   *separately*, and the repaired holes are subtracted from the repaired
//!   shell with [`BooleanOps::difference`] (the paper's "set-difference"
//!   rule), so a hole outside its shell is dropped rather than turned into
//!   an island, as odd–even alone would do.
//! - [`unary_union`] merges overlapping members of a MultiPolygon and
//!   computes each level's covered area for gaps.
//! - [`BooleanOps::intersection`] gives overlaps between zones; areas are
//!   [`ChamberlainDuquetteArea`] in m² on the WGS84 sphere, sample points
//!   are [`InteriorPoint`]s.
//!
//! All of these are deterministic functions of the input coordinates.

use geo::algorithm::orient::{Direction, Orient};
use geo::algorithm::validation::{InvalidPolygon, RingRole};
use geo::{
    unary_union, BooleanOps, BoundingRect, ChamberlainDuquetteArea, Contains, Coord, InteriorPoint, Intersects, Line,
    LineString, MakeValid, MultiPolygon, Polygon, Rect, Validation,
};

/// Areas below this many m² are numerical slivers and are not reported.
pub const MIN_REPORTED_AREA_M2: f64 = 1.0;

/// Overlaps between two zones under this many m² (1 ha) are slivers where
/// neighbouring zones were drawn apart: they are summed into one line per
/// level rather than listed one by one.
pub const SMALL_OVERLAP_M2: f64 = 10_000.0;

/// An area for people: km² from 1 km² on, hectares from 1 ha on, else m².
///
/// ```
/// use catchment::scenario::geometry::area_text;
/// assert_eq!(area_text(485_501_303.0), "485.50 km²");
/// assert_eq!(area_text(475_302.0), "47.5 ha");
/// assert_eq!(area_text(1_375.4), "1375 m²");
/// ```
pub fn area_text(m2: f64) -> String {
    if m2 >= 1_000_000.0 {
        format!("{:.2} km²", m2 / 1_000_000.0)
    } else if m2 >= 10_000.0 {
        format!("{:.1} ha", m2 / 10_000.0)
    } else {
        format!("{m2:.0} m²")
    }
}

/// Formats a point as `(lon, lat)` with 6 decimals (about 0.1 m).
pub fn at(c: Coord<f64>) -> String {
    format!("({:.6}, {:.6})", c.x, c.y)
}

fn ring_name(role: RingRole) -> String {
    match role {
        RingRole::Exterior => "exterior ring".to_string(),
        RingRole::Interior(i) => format!("hole {i}"),
    }
}

fn ring(poly: &Polygon<f64>, role: RingRole) -> Option<&LineString<f64>> {
    match role {
        RingRole::Exterior => Some(poly.exterior()),
        RingRole::Interior(i) => poly.interiors().get(i),
    }
}

/// First point where two segments of `a` (or of `a` and `b`) meet, other
/// than the shared vertex of neighbouring segments of one ring. Brute force
/// with a bounding-box test: only run on rings already known to be invalid.
pub fn ring_crossing(a: &LineString<f64>, b: Option<&LineString<f64>>) -> Option<Coord<f64>> {
    let sa: Vec<Line<f64>> = a.lines().collect();
    let sb: Vec<Line<f64>> = b.map_or_else(|| sa.clone(), |b| b.lines().collect());
    let same = b.is_none();
    let n = sa.len();
    let boxes: Vec<Rect<f64>> = sb.iter().map(|l| l.bounding_rect()).collect();
    for (i, p) in sa.iter().enumerate() {
        let bp = p.bounding_rect();
        let start = if same { i + 1 } else { 0 };
        for (j, q) in sb.iter().enumerate().skip(start) {
            if same && (j == i + 1 || (i == 0 && j + 1 == n)) {
                continue; // neighbours share a vertex
            }
            let bq = boxes[j];
            if bq.min().x > bp.max().x || bq.max().x < bp.min().x || bq.min().y > bp.max().y || bq.max().y < bp.min().y
            {
                continue;
            }
            if let Some(x) = geo::line_intersection::line_intersection(*p, *q) {
                return Some(match x {
                    geo::LineIntersection::SinglePoint { intersection, .. } => intersection,
                    geo::LineIntersection::Collinear { intersection } => intersection.start,
                });
            }
        }
    }
    None
}

/// Describes each validity problem of one polygon with a location, e.g.
/// `exterior ring crosses itself at (151.012345, -33.912345)`.
pub fn problems(poly: &Polygon<f64>) -> Vec<String> {
    poly.validation_errors()
        .into_iter()
        .map(|problem| match problem {
            InvalidPolygon::SelfIntersection(role) => {
                let place = ring(poly, role)
                    .and_then(|r| ring_crossing(r, None))
                    .map_or_else(String::new, |c| format!(" at {}", at(c)));
                format!("{} crosses or touches itself{place}", ring_name(role))
            }
            InvalidPolygon::InteriorRingNotContainedInExteriorRing(role) => {
                let shell = Polygon::new(poly.exterior().clone(), vec![]);
                let place = ring(poly, role)
                    .and_then(|r| {
                        r.coords()
                            .find(|c| !shell.contains(*c))
                            .or_else(|| r.coords().next())
                            .copied()
                    })
                    .map_or_else(String::new, |c| format!(" (e.g. its vertex {})", at(c)));
                format!("{} is not inside the exterior ring{place}", ring_name(role))
            }
            InvalidPolygon::IntersectingRingsOnALine(a, b) | InvalidPolygon::IntersectingRingsOnAnArea(a, b) => {
                let place = match (ring(poly, a), ring(poly, b)) {
                    (Some(ra), Some(rb)) => {
                        ring_crossing(ra, Some(rb)).map_or_else(String::new, |c| format!(" at {}", at(c)))
                    }
                    _ => String::new(),
                };
                format!("{} and {} cross{place}", ring_name(a), ring_name(b))
            }
            other => other.to_string(),
        })
        .collect()
}

/// Repairs one polygon: shell and holes each made valid, holes subtracted
/// from the shell (see the module documentation).
pub fn repair(poly: &Polygon<f64>) -> Result<MultiPolygon<f64>, String> {
    let shell = Polygon::new(poly.exterior().clone(), vec![])
        .make_valid()
        .map_err(|e| format!("repair failed: {e:?}"))?;
    let mut holes = Vec::new();
    for hole in poly.interiors() {
        let fixed = Polygon::new(hole.clone(), vec![])
            .make_valid()
            .map_err(|e| format!("repair failed: {e:?}"))?;
        holes.push(fixed);
    }
    if holes.is_empty() {
        return Ok(shell);
    }
    let holes = unary_union(&holes);
    Ok(shell.difference(&holes))
}

/// Area on the sphere in m².
pub fn area_m2(area: &MultiPolygon<f64>) -> f64 {
    area.0.iter().map(polygon_area_m2).sum()
}

/// Area of one polygon on the sphere in m²: its exterior ring's less its
/// holes', each ring taken whatever its orientation. (geo's
/// `chamberlain_duquette_unsigned_area` of a polygon subtracts the holes'
/// *signed* areas, so a polygon with its holes oriented against its shell,
/// as `BooleanOps` returns them, comes out as shell plus holes.)
pub fn polygon_area_m2(p: &Polygon<f64>) -> f64 {
    let ring = |r: &LineString<f64>| Polygon::new(r.clone(), vec![]).chamberlain_duquette_unsigned_area();
    let holes: f64 = p.interiors().iter().map(ring).sum();
    (ring(p.exterior()) - holes).max(0.0)
}

/// An overlap between two zones (indices into the slice given) or a gap
/// enclosed by the zones of a level.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Zone indices for an overlap; empty for a gap.
    pub zones: Vec<usize>,
    /// Area in m².
    pub area_m2: f64,
    /// A point inside the overlap or gap.
    pub point: Coord<f64>,
}

/// Overlaps between every pair of `areas` (bounding boxes first, then
/// [`BooleanOps::intersection`]), in index order.
pub fn overlaps(areas: &[&MultiPolygon<f64>]) -> Vec<Finding> {
    let oriented: Vec<MultiPolygon<f64>> = areas.iter().map(|a| a.orient(Direction::Default)).collect();
    let areas: Vec<&MultiPolygon<f64>> = oriented.iter().collect();
    let boxes: Vec<Option<Rect<f64>>> = areas.iter().map(|a| a.bounding_rect()).collect();
    // Sweep on min x so that far-apart zones are never compared.
    let mut order: Vec<usize> = (0..areas.len()).filter(|&i| boxes[i].is_some()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (boxes[a].map_or(0.0, |r| r.min().x), boxes[b].map_or(0.0, |r| r.min().x));
        ra.total_cmp(&rb).then(a.cmp(&b))
    });
    let mut found = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let Some(bi) = boxes[i] else { continue };
        for &j in &order[k + 1..] {
            let Some(bj) = boxes[j] else { continue };
            if bj.min().x > bi.max().x {
                break;
            }
            if bj.min().y > bi.max().y || bj.max().y < bi.min().y {
                continue;
            }
            let common = areas[i].intersection(areas[j]);
            let area = area_m2(&common);
            if area >= MIN_REPORTED_AREA_M2 {
                if let Some(p) = largest(&common).and_then(|p| p.interior_point()) {
                    found.push(Finding {
                        zones: vec![i.min(j), i.max(j)],
                        area_m2: area,
                        point: p.0,
                    });
                }
            }
        }
    }
    found.sort_by(|a, b| a.zones.cmp(&b.zones));
    found
}

/// True when two boxes share a point.
fn boxes_meet(a: &Rect<f64>, b: &Rect<f64>) -> bool {
    a.min().x <= b.max().x && b.min().x <= a.max().x && a.min().y <= b.max().y && b.min().y <= a.max().y
}

fn largest(area: &MultiPolygon<f64>) -> Option<&Polygon<f64>> {
    area.0
        .iter()
        .max_by(|a, b| polygon_area_m2(a).total_cmp(&polygon_area_m2(b)))
}

/// Gaps: land enclosed by the union of `areas` but in none of them,
/// largest first, each with a point inside it that is in no zone.
///
/// A hole of the union is not taken as a gap as it stands: `unary_union`
/// can leave a zone out of the union (on the NSW Mid-Coast map it dropped
/// a 291 km² zone and reported a 485 km² hole around it), and a zone lying
/// inside the hole of another piece fills part of it. So every zone that
/// reaches into the hole, and every other piece of the union inside it, is
/// subtracted from it; what is left is the gap, and its sample point is
/// checked against every zone.
pub fn gaps(areas: &[&MultiPolygon<f64>]) -> Vec<Finding> {
    // Boolean operations read a hole wound like its shell as filled:
    // orient every ring first (shells counter-clockwise, holes clockwise).
    let oriented: Vec<MultiPolygon<f64>> = areas.iter().map(|a| a.orient(Direction::Default)).collect();
    let areas: Vec<&MultiPolygon<f64>> = oriented.iter().collect();
    let areas = areas.as_slice();
    let union = unary_union(areas.iter().copied());
    let boxes: Vec<Option<Rect<f64>>> = areas.iter().map(|a| a.bounding_rect()).collect();
    let shells: Vec<Polygon<f64>> = union
        .0
        .iter()
        .map(|p| Polygon::new(p.exterior().clone(), vec![]))
        .collect();
    let mut found: Vec<Finding> = Vec::new();
    for (k, poly) in union.0.iter().enumerate() {
        for hole in poly.interiors() {
            let hole = Polygon::new(hole.clone(), vec![]);
            if hole.chamberlain_duquette_unsigned_area() < MIN_REPORTED_AREA_M2 {
                continue;
            }
            let Some(hole_box) = hole.bounding_rect() else {
                continue;
            };
            // Zones reaching into the hole: a vertex strictly inside it.
            // The zones around it only touch its boundary, and subtracting
            // them would only add rounding.
            let reaches_in = |area: &MultiPolygon<f64>| {
                area.0.iter().any(|p| {
                    std::iter::once(p.exterior())
                        .chain(p.interiors())
                        .flat_map(|r| r.0.iter())
                        .any(|c| hole.contains(&geo::Point::from(*c)))
                })
            };
            let inside: Vec<&MultiPolygon<f64>> = areas
                .iter()
                .zip(&boxes)
                .filter(|(_, rect)| rect.is_some_and(|r| boxes_meet(&r, &hole_box)))
                .map(|(area, _)| *area)
                .filter(|area| reaches_in(area))
                .collect();
            let mut rest = MultiPolygon::new(vec![hole.clone()]);
            for area in inside {
                rest = rest.difference(area);
            }
            // Other pieces of the union inside the hole: their own holes
            // are gaps of their own, found when their turn comes.
            for (j, shell) in shells.iter().enumerate() {
                let in_hole = shell.bounding_rect().is_some_and(|r| boxes_meet(&r, &hole_box))
                    && shell.exterior().0.iter().any(|c| hole.contains(&geo::Point::from(*c)));
                if j != k && in_hole {
                    rest = rest.difference(shell);
                }
            }
            for piece in &rest.0 {
                let area = polygon_area_m2(piece);
                if area < MIN_REPORTED_AREA_M2 {
                    continue;
                }
                let in_no_zone = |p: &geo::Point<f64>| !areas.iter().any(|a| a.intersects(p));
                if let Some(p) = piece.interior_point().filter(in_no_zone) {
                    found.push(Finding {
                        zones: Vec::new(),
                        area_m2: area,
                        point: p.0,
                    });
                }
            }
        }
    }
    found.sort_by(|a, b| {
        b.area_m2
            .total_cmp(&a.area_m2)
            .then(a.point.x.total_cmp(&b.point.x))
            .then(a.point.y.total_cmp(&b.point.y))
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area};

    #[test]
    fn bowtie_is_split_at_its_crossing() {
        let bowtie = polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 1.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)];
        let p = problems(&bowtie);
        assert_eq!(
            p,
            vec!["exterior ring crosses or touches itself at (0.500000, 0.500000)".to_string()]
        );
        let fixed = repair(&bowtie).unwrap();
        assert_eq!(fixed.0.len(), 2);
        assert!((fixed.unsigned_area() - 0.5).abs() < 1e-12);
        assert!(fixed.is_valid());
    }

    #[test]
    fn hole_outside_shell_is_dropped() {
        let poly = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)]),
            vec![LineString::from(vec![
                (5.0, 5.0),
                (6.0, 5.0),
                (6.0, 6.0),
                (5.0, 6.0),
                (5.0, 5.0),
            ])],
        );
        assert_eq!(
            problems(&poly),
            vec!["hole 0 is not inside the exterior ring (e.g. its vertex (5.000000, 5.000000))".to_string()]
        );
        let fixed = repair(&poly).unwrap();
        assert!((fixed.unsigned_area() - 4.0).abs() < 1e-12);
    }

    #[test]
    fn hole_inside_shell_is_kept() {
        let poly = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]),
            vec![LineString::from(vec![
                (1.0, 1.0),
                (2.0, 1.0),
                (2.0, 2.0),
                (1.0, 2.0),
                (1.0, 1.0),
            ])],
        );
        assert!(problems(&poly).is_empty());
        assert!((repair(&poly).unwrap().unsigned_area() - 15.0).abs() < 1e-12);
    }

    fn square(x0: f64, y0: f64, side: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![
            polygon![(x: x0, y: y0), (x: x0 + side, y: y0), (x: x0 + side, y: y0 + side), (x: x0, y: y0 + side), (x: x0, y: y0)],
        ])
    }

    #[test]
    fn overlap_area_matches_the_common_square() {
        // Two 0.01° squares at the equator overlapping by 0.005° × 0.01°.
        let a = square(0.0, 0.0, 0.01);
        let b = square(0.005, 0.0, 0.01);
        let c = square(1.0, 1.0, 0.01);
        let found = overlaps(&[&a, &b, &c]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].zones, vec![0, 1]);
        let expected = area_m2(&square(0.005, 0.0, 0.005)) * 2.0;
        assert!(
            (found[0].area_m2 - expected).abs() / expected < 1e-6,
            "{found:?} vs {expected}"
        );
        assert!(found[0].point.x > 0.005 && found[0].point.x < 0.01);
    }

    #[test]
    fn ring_of_four_squares_encloses_one_gap() {
        // A 3×3 block of 0.01° squares with the middle one missing.
        let mut tiles = Vec::new();
        for i in 0..3 {
            for j in 0..3 {
                if (i, j) != (1, 1) {
                    tiles.push(square(i as f64 * 0.01, j as f64 * 0.01, 0.01));
                }
            }
        }
        let refs: Vec<&MultiPolygon<f64>> = tiles.iter().collect();
        let found = gaps(&refs);
        assert_eq!(found.len(), 1);
        let expected = area_m2(&square(0.01, 0.01, 0.01));
        assert!((found[0].area_m2 - expected).abs() / expected < 1e-6);
        assert!(overlaps(&refs).is_empty());
        assert_in_no_zone(&found, &refs);
    }

    fn assert_in_no_zone(found: &[Finding], areas: &[&MultiPolygon<f64>]) {
        use geo::Intersects;
        for f in found {
            let p = geo::Point::from(f.point);
            for (i, a) in areas.iter().enumerate() {
                assert!(!a.intersects(&p), "gap point {:?} is in zone {i}", f.point);
            }
        }
    }

    /// The NSW Mid-Coast case: a zone inside the ring of the others, kept
    /// apart from them by a thin sliver. The hole of the union is the
    /// island's size, but the gap is only the sliver; the old report gave
    /// the whole hole, around a point inside the island.
    #[test]
    fn an_island_zone_inside_the_ring_is_not_a_gap() {
        let mut tiles = Vec::new();
        for i in 0..3 {
            for j in 0..3 {
                if (i, j) != (1, 1) {
                    tiles.push(square(i as f64 * 0.01, j as f64 * 0.01, 0.01));
                }
            }
        }
        // The island leaves a 0.0001° sliver on every side.
        tiles.push(square(0.0101, 0.0101, 0.0098));
        let refs: Vec<&MultiPolygon<f64>> = tiles.iter().collect();
        let found = gaps(&refs);
        assert_eq!(found.len(), 1, "{found:?}");
        let hole = area_m2(&square(0.01, 0.01, 0.01));
        let expected = hole - area_m2(&square(0.0101, 0.0101, 0.0098));
        assert!(
            (found[0].area_m2 - expected).abs() / expected < 1e-3,
            "{} vs {expected}",
            found[0].area_m2
        );
        assert!(found[0].area_m2 < hole / 10.0);
        assert_in_no_zone(&found, &refs);
    }

    #[test]
    fn a_hole_is_subtracted_whatever_its_orientation() {
        let outer = square(0.0, 0.0, 0.03).0[0].exterior().clone();
        let hole = square(0.01, 0.01, 0.01).0[0].exterior().clone();
        let mut reversed = hole.clone();
        reversed.0.reverse();
        let expected = area_m2(&square(0.0, 0.0, 0.03)) - area_m2(&square(0.01, 0.01, 0.01));
        for h in [hole, reversed] {
            let p = Polygon::new(outer.clone(), vec![h]);
            assert!((polygon_area_m2(&p) - expected).abs() / expected < 1e-9);
        }
    }

    /// A zone with a hole, and another zone inside the hole with a sliver
    /// around it (the corpus case `warn_gap_around_island`).
    #[test]
    fn a_zone_inside_the_hole_of_another_leaves_the_sliver() {
        let outer = square(0.0, 0.0, 0.04).0[0].exterior().clone();
        let inner = square(0.014, 0.004, 0.012).0[0].exterior().clone();
        let ring = MultiPolygon::new(vec![Polygon::new(outer, vec![inner])]);
        let island = square(0.015, 0.005, 0.01);
        let refs = [&ring, &island];
        let found = gaps(&refs);
        assert_eq!(found.len(), 1, "{found:?}");
        let expected = area_m2(&square(0.014, 0.004, 0.012)) - area_m2(&island);
        assert!(
            (found[0].area_m2 - expected).abs() / expected < 1e-6,
            "{found:?} vs {expected}"
        );
        assert_in_no_zone(&found, &refs);
    }

    /// An island with a hole of its own inside a ring: both the sliver
    /// around the island and the island's hole are gaps, each counted once.
    #[test]
    fn a_hole_in_an_island_is_a_gap_of_its_own() {
        let mut tiles = Vec::new();
        for i in 0..3 {
            for j in 0..3 {
                if (i, j) != (1, 1) {
                    tiles.push(square(i as f64 * 0.01, j as f64 * 0.01, 0.01));
                }
            }
        }
        let island = Polygon::new(
            square(0.0101, 0.0101, 0.0098).0[0].exterior().clone(),
            vec![square(0.014, 0.014, 0.002).0[0].exterior().clone()],
        );
        tiles.push(MultiPolygon::new(vec![island]));
        let refs: Vec<&MultiPolygon<f64>> = tiles.iter().collect();
        let found = gaps(&refs);
        assert_eq!(found.len(), 2, "{found:?}");
        let inner = area_m2(&square(0.014, 0.014, 0.002));
        assert!(
            found.iter().any(|f| (f.area_m2 - inner).abs() / inner < 1e-6),
            "{found:?}"
        );
        assert_in_no_zone(&found, &refs);
    }
}
