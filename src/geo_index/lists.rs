//! The first few schools from a home in one pass over a short list.
//!
//! The optimal rule asks every applicant for its first 6 to 12 schools. A
//! ring walk ([`GridNearest`]) confirms them ring by ring, measuring exactly
//! every school nearer than the edge of the rings visited. Instead, each
//! bucket of the grid keeps the schools that can be among the first `K`
//! from *any* home in it, `K` the first request's `k` up to [`LIST_K`]
//! (built once, when a home first needs it): a home measures the straight
//! line to each of them, and the exact haversine distance only of the `k`
//! nearest by that line and of the few others the bound cannot rule out.

use std::cell::RefCell;
use std::sync::OnceLock;

use super::*;

/// The most schools [`SchoolGrid::nearest_k`] answers from a bucket list:
/// the optimal rule's candidates (8), half again on levels whose seats only
/// just suffice. Larger requests walk.
pub const LIST_K: usize = 12;

/// Rings a bucket list may gather before the bucket is left to walks (a
/// home far from every school, where the list would be most of the grid).
const LIST_MAX_RINGS: usize = 16;

/// The `K` the lists are for, and the schools of each bucket that can be
/// among the first `K` of a walk from a home in it; `None` for a bucket
/// left to walks. Built lazily, bucket by bucket.
pub(super) type BucketLists = (usize, Vec<OnceLock<Option<Box<[Listed]>>>>);

/// A school of a bucket list, with the square of a lower bound on its
/// straight-line distance from every home in the bucket (the plane
/// distance from the bucket's rectangle, less margins, at least 0). Lists
/// are sorted by it, so a scan for the nearest few can stop early.
#[derive(Debug, Clone, Copy)]
pub(super) struct Listed {
    near2: f64,
    grid: GridSchool,
}

/// Scratch of one query: the line lower bounds of a list (with the
/// school's position in it), and the exact distances measured.
type Scratch = (Vec<(f64, u32)>, Vec<(f64, SchoolIdx)>);

impl SchoolGrid {
    /// The first `k` schools of [`SchoolGrid::nearest`] from a home, with
    /// their distances, in that order: `emit` is called with each until it
    /// returns false. The same schools and distances as the walk; a home
    /// inside the grid's buckets (on the near side of the sphere) reads its
    /// bucket's list when `k` is at most the lists' `K` (the first request's
    /// `k`, at most [`LIST_K`]: a solver asks for the same `k` for all its
    /// applicants), any other walks.
    pub fn nearest_k(&self, lon: f64, lat: f64, k: usize, mut emit: impl FnMut(SchoolIdx, f64) -> bool) {
        if k == 0 {
            return;
        }
        let point = sphere_point(lon, lat);
        let list = match self.listed_bucket(point) {
            Some(b) => self.bucket_list(b, k),
            _ => None,
        };
        let Some(list) = list else {
            let mut yielded = 0;
            self.visit_nearest(lon, lat, |s, d| {
                yielded += 1;
                emit(s, d) && yielded < k
            });
            return;
        };
        thread_local! {
            static SCRATCH: RefCell<Scratch> = RefCell::default();
        }
        SCRATCH.with(|cell| {
            let (lower, exact) = &mut *cell.borrow_mut();
            let home = Prepared::new((lon, lat));
            exact.clear();
            if list.len() <= k {
                exact.extend(list.iter().map(|l| (home.distance(&l.grid.at), l.grid.school)));
            } else {
                lower.clear();
                lower.extend(
                    list.iter()
                        .enumerate()
                        .map(|(n, l)| (chord2(point, l.grid.point), n as u32)),
                );
                // The k nearest by the line (squared, which keeps its order)
                // are measured; then every other whose bound does not rule
                // it out behind them.
                lower.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
                let mut threshold = f64::NEG_INFINITY;
                for &(_, n) in &lower[..k] {
                    let s = &list[n as usize].grid;
                    let d = home.distance(&s.at);
                    threshold = threshold.max(d);
                    exact.push((d, s.school));
                }
                for &(d2, n) in &lower[k..] {
                    if line_bound(d2) <= threshold {
                        let s = &list[n as usize].grid;
                        exact.push((home.distance(&s.at), s.school));
                    }
                }
            }
            exact.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for &(d, s) in exact.iter().take(k) {
                if !emit(s, d) {
                    break;
                }
            }
        });
    }

    /// The schools of the first `k` of [`SchoolGrid::nearest`] from a home
    /// (its `(lon, lat)` and its [`sphere_point`], which a caller asking
    /// for many homes keeps) that lie within `limit` metres, each with its distance in whole
    /// millimetres (metres × 1000 rounded half away from zero, as the flow
    /// solver rounds costs), into `out` (cleared first) in nondecreasing
    /// millimetres: the same schools and millimetres as rounding what
    /// [`SchoolGrid::nearest_k`] yields, for the solver's candidates, which
    /// need no metres.
    ///
    /// From a bucket list, the `k` nearest by the chord are taken and each
    /// millimetre count is read off the chord's arc ([`arc_of_chord`]),
    /// whose difference from the exact haversine is below [`arc_error`].
    /// That settles the answer unless one of three things lies within that
    /// error: a half millimetre (the rounding could go either way), the
    /// limit, or the next school (the `k`-th could be another); then the
    /// home is answered exactly, by [`SchoolGrid::nearest_k`] (about one
    /// home in a hundred, besides homes outside the listed buckets). This
    /// spares two sines per school, and the scan of the list stops at the
    /// first school whose bound lies beyond the `k + 1` found: half the
    /// instructions of a query.
    pub fn nearest_k_mm(
        &self,
        point: [f64; 3],
        (lon, lat): (f64, f64),
        k: usize,
        limit: f64,
        mut emit: impl FnMut(SchoolIdx, i64),
    ) {
        debug_assert_eq!(point, sphere_point(lon, lat));
        if k == 0 {
            return;
        }
        let list = match self.listed_bucket(point) {
            Some(b) => self.bucket_list(b, k),
            _ => None,
        };
        let settled = list.and_then(|list| {
            let mut top = [(0.0, 0); LIST_K + 1];
            let len = chord_top(point, list, k + 1, &mut top);
            let (first, next) = top[..len].split_at(len.min(k));
            let mut found = [(0i64, SchoolIdx(0)); LIST_K];
            let mut within = 0;
            let mut farthest = 0.0f64;
            for &(d2, n) in first {
                let arc = arc_of_chord(d2.sqrt());
                let error = arc_error(arc);
                // Whole and fractional millimetres (`floor` and `round`
                // are library calls on the baseline x86-64 target).
                let whole = (arc * 1000.0) as i64;
                let frac = arc * 1000.0 - whole as f64;
                if arc.is_nan()
                    || arc >= MAX_CHORD_ARC_M
                    || (frac - 0.5).abs() <= error * 1000.0
                    || (arc - limit).abs() <= error
                {
                    return None;
                }
                farthest = farthest.max(arc);
                if arc < limit {
                    found[within] = (whole + i64::from(frac > 0.5), list[n as usize].grid.school);
                    within += 1;
                }
            }
            // Every school after the first `k` by the chord is at
            // least its line bound away, which must clear the `k`-th.
            let clear = next
                .first()
                .is_none_or(|&(d2, _)| line_bound(d2) > farthest + arc_error(farthest));
            clear.then_some((found, within))
        });
        match settled {
            Some((mut found, within)) => {
                found[..within].sort_unstable();
                for &(mm, s) in &found[..within] {
                    emit(s, mm);
                }
            }
            None => {
                // In (metres, school) order, which two schools at one
                // millimetre can break differently.
                let mut exact = Vec::with_capacity(k);
                self.nearest_k(lon, lat, k, |s, d| {
                    if d > limit {
                        return false;
                    }
                    exact.push(((d * 1000.0).round() as i64, s));
                    true
                });
                exact.sort_unstable();
                for (mm, s) in exact {
                    emit(s, mm);
                }
            }
        }
    }

    /// The bucket of a home on the near side of the sphere whose plane
    /// point lies in the grid's buckets (not clamped into them).
    fn listed_bucket(&self, point: [f64; 3]) -> Option<usize> {
        if dot(point, self.normal) <= 0.0 || self.schools.is_empty() {
            return None;
        }
        let plane = self.project(point);
        let fx = (plane[0] - self.origin[0]) / self.cell;
        let fy = (plane[1] - self.origin[1]) / self.cell;
        if !(fx >= 0.0 && fy >= 0.0) {
            return None;
        }
        let (x, y) = (fx as usize, fy as usize);
        (x < self.dims[0] && y < self.dims[1]).then(|| y * self.dims[0] + x)
    }

    /// The list of bucket `b` if the lists serve `k`, built on first use.
    fn bucket_list(&self, b: usize, k: usize) -> Option<&[Listed]> {
        let (list_k, lists) = self.lists.get_or_init(|| {
            let cells = (0..self.dims[0] * self.dims[1]).map(|_| OnceLock::new()).collect();
            (k.min(LIST_K), cells)
        });
        if k > *list_k {
            return None;
        }
        lists[b].get_or_init(|| self.build_list(b, *list_k)).as_deref()
    }

    /// The schools that can be among the first `list_k` from a home in
    /// bucket `b`.
    ///
    /// For each school the rectangle of the bucket gives an upper bound on
    /// its distance from any home in it (the farthest corner in the plane,
    /// and the spread of the heights above the plane of points of the
    /// sphere over the rectangle; then chord to arc) and a lower bound (the
    /// plane distance to the rectangle). The `list_k`-th least upper
    /// bound `K` bounds the `k`-th distance of every home in the bucket for
    /// `k ≤ list_k`; a school whose lower bound exceeds `K` is farther than
    /// that from every such home, so it is never among its first `k`.
    /// Rings of buckets are gathered until the next ring's plane distance
    /// exceeds `K`. Bounds carry margins far above rounding error.
    fn build_list(&self, b: usize, list_k: usize) -> Option<Box<[Listed]>> {
        let (x, y) = (b % self.dims[0], b / self.dims[0]);
        let slop = self.cell * 1e-9 + 1e-3;
        let lo = [
            self.origin[0] + x as f64 * self.cell - slop,
            self.origin[1] + y as f64 * self.cell - slop,
        ];
        let hi = [lo[0] + self.cell + 2.0 * slop, lo[1] + self.cell + 2.0 * slop];
        // Heights above the plane of the sphere's points over the rectangle.
        let r2 = EARTH_RADIUS_M * EARTH_RADIUS_M;
        let nearest2 = gap(0.0, lo[0], hi[0]).powi(2) + gap(0.0, lo[1], hi[1]).powi(2);
        let farthest2 = lo[0].abs().max(hi[0].abs()).powi(2) + lo[1].abs().max(hi[1].abs()).powi(2);
        let (w_lo, w_hi) = ((r2 - farthest2).max(0.0).sqrt(), (r2 - nearest2).max(0.0).sqrt());
        let mut gathered: Vec<(f64, f64, GridSchool)> = Vec::new();
        let mut uppers: Vec<f64> = Vec::new();
        let (cx, cy) = (x as i64, y as i64);
        let (dx, dy) = (self.dims[0] as i64, self.dims[1] as i64);
        let mut cut = f64::INFINITY;
        for r in 0..=LIST_MAX_RINGS as i64 {
            self.for_each_in_ring((cx, cy), r, |b| {
                for s in self.bucket(b) {
                    let q = self.project(s.point);
                    let w = dot(s.point, self.normal);
                    let near = (gap(q[0], lo[0], hi[0]).powi(2) + gap(q[1], lo[1], hi[1]).powi(2)).sqrt();
                    let far_plane2 = (q[0] - lo[0]).abs().max((q[0] - hi[0]).abs()).powi(2)
                        + (q[1] - lo[1]).abs().max((q[1] - hi[1]).abs()).powi(2);
                    let far_w = (w - w_lo).abs().max((w - w_hi).abs());
                    let chord = (far_plane2 + far_w * far_w).sqrt();
                    let arc = 2.0 * EARTH_RADIUS_M * (chord / (2.0 * EARTH_RADIUS_M)).min(1.0).asin();
                    let upper = arc * (1.0 + 1e-9) + 1e-3;
                    gathered.push((upper, less_margin(near), *s));
                    uppers.push(upper);
                }
            });
            let everything = r >= cx.max(dx - 1 - cx).max(cy).max(dy - 1 - cy);
            if uppers.len() >= list_k {
                let (_, &mut kth, _) = uppers.select_nth_unstable_by(list_k - 1, |a, b| a.total_cmp(b));
                cut = kth;
            }
            if everything {
                if uppers.len() < list_k {
                    cut = f64::INFINITY;
                }
                return Some(keep_within(gathered, cut));
            }
            // Every bucket beyond this ring is at least `r` buckets from the
            // rectangle in the plane.
            let beyond = less_margin((r as f64 * self.cell - 2.0 * slop).max(0.0));
            if beyond > cut {
                return Some(keep_within(gathered, cut));
            }
        }
        None
    }
}

/// The gathered schools whose lower bound does not exceed `cut`, by
/// increasing (lower bound, school).
fn keep_within(gathered: Vec<(f64, f64, GridSchool)>, cut: f64) -> Box<[Listed]> {
    let mut kept: Vec<Listed> = gathered
        .into_iter()
        .filter(|g| g.1 <= cut)
        .map(|g| Listed {
            near2: g.1.max(0.0).powi(2),
            grid: g.2,
        })
        .collect();
    kept.sort_by(|a, b| a.near2.total_cmp(&b.near2).then(a.grid.school.cmp(&b.grid.school)));
    kept.into_boxed_slice()
}

/// The `count` entries of `list` nearest `point` by the straight line, as
/// (squared chord, position in the list), in increasing order, in
/// `top[..count.min(list.len())]`: kept sorted by insertion (a list holds
/// a few dozen schools and `count` is at most [`LIST_K`] + 1, so a full
/// selection costs more), and read in the list's order of lower bounds
/// until the next bound exceeds the `count`-th chord.
fn chord_top(point: [f64; 3], list: &[Listed], count: usize, top: &mut [(f64, u32); LIST_K + 1]) -> usize {
    debug_assert!((1..=LIST_K + 1).contains(&count));
    let mut len = 0;
    for (n, l) in list.iter().enumerate() {
        if len == count && l.near2 > top[count - 1].0 {
            break;
        }
        let d2 = chord2(point, l.grid.point);
        let mut at = if len < count {
            len += 1;
            len - 1
        } else if d2 < top[count - 1].0 {
            count - 1
        } else {
            continue;
        };
        while at > 0 && top[at - 1].0 > d2 {
            top[at] = top[at - 1];
            at -= 1;
        }
        top[at] = (d2, n as u32);
    }
    len
}

/// Longest arc (metres) read off a chord by [`SchoolGrid::nearest_k_mm`]:
/// chords up to the radius, where `asin` is well conditioned (an error in
/// the chord grows at most 1.16 times in the arc).
const MAX_CHORD_ARC_M: f64 = EARTH_RADIUS_M * std::f64::consts::FRAC_PI_3;

/// The great-circle metres of a chord of the haversine sphere,
/// `2R asin(c / 2R)`: by its Taylor series to the seventh power for chords
/// below a 64th of the diameter (the next term is below 10⁻¹⁰ m), by
/// `asin` above.
pub(super) fn arc_of_chord(chord: f64) -> f64 {
    let x = chord / (2.0 * EARTH_RADIUS_M);
    if x < 1.0 / 64.0 {
        let x2 = x * x;
        2.0 * EARTH_RADIUS_M * x * (1.0 + x2 * (1.0 / 6.0 + x2 * (3.0 / 40.0 + x2 * (15.0 / 336.0))))
    } else {
        2.0 * EARTH_RADIUS_M * x.min(1.0).asin()
    }
}

/// A bound on the difference between [`arc_of_chord`] of the chord between
/// two homes' [`sphere_point`]s and their [`crate::distance::haversine`],
/// for arcs below [`MAX_CHORD_ARC_M`]: both are within about 10⁻⁸ m of the
/// true arc (points 6,371 km from the centre, each coordinate a few ulps
/// off); the bound allows a hundred times that, and a relative part for
/// long arcs. Property tests check it over the whole sphere.
pub(super) fn arc_error(arc: f64) -> f64 {
    1e-6 + arc * 1e-12
}

/// Distance from `v` to the interval `[lo, hi]`.
fn gap(v: f64, lo: f64, hi: f64) -> f64 {
    (lo - v).max(v - hi).max(0.0)
}
