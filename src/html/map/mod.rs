//! Maps as SVG: the projection, the zone, home and school layers, the
//! legend keys, a scale bar and a north arrow, and label placement.
//!
//! Map coordinates are metres east and south of the map's corner
//! (equirectangular, scaled by the cosine of the mid latitude), rounded to
//! 1 m; zone rings drop points closer than a nominal pixel, so pages stay
//! small. Symbol and label sizes are in nominal pixels of a map
//! [`MAP_PX`] wide, times [`Projection::unit`] metres.
//!
//! **Schools** are sized by seats (area ∝ seats, private schools square)
//! and coloured by demand: applicants who applied to the school in its
//! lottery stage (its zone's applicants under rule `zone`, the nearest
//! school's under `nearest`, the private school's choosers) per seat, so an
//! oversubscribed school shows red even when every school ends up full.
//!
//! **Labels** are placed greedily without overlap, clear of the school
//! symbols: zone ids smallest zone first (the map is a map of zones), then
//! school names (or ids when the name is long) in order of seats; a label
//! with no free place is dropped rather than drawn over another.

use std::fmt::Write as _;

use geo::BoundingRect;
use maud::{html, Markup, PreEscaped};

mod labels;

use labels::school_label;
pub(crate) use labels::{zone_labels, Placer};

use super::{stage_index, thousands, STAGES};
use crate::round::Outcome;
use crate::scenario::{Level, Scenario, Sector};

/// Homes drawn per level at most; above it every k-th applicant (in id
/// order) is drawn and the legend says so.
pub(crate) const HOME_SAMPLE_CAP: usize = 3_000;
/// Nominal width of the map on a laptop, in CSS pixels: symbol sizes and
/// the simplification tolerance are set for it.
const MAP_PX: f64 = 800.0;
/// Metres per degree of latitude on the sphere of spec §2.
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// A lon/lat box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bounds {
    west: f64,
    east: f64,
    south: f64,
    north: f64,
}

impl Bounds {
    /// The box around the points; `None` without points.
    pub(crate) fn of(points: impl IntoIterator<Item = (f64, f64)>) -> Option<Bounds> {
        points.into_iter().fold(None, |b: Option<Bounds>, (lon, lat)| {
            let p = Bounds {
                west: lon,
                east: lon,
                south: lat,
                north: lat,
            };
            Some(b.map_or(p, |b| b.union(p)))
        })
    }

    /// The box around both.
    pub(crate) fn union(self, o: Bounds) -> Bounds {
        Bounds {
            west: self.west.min(o.west),
            east: self.east.max(o.east),
            south: self.south.min(o.south),
            north: self.north.max(o.north),
        }
    }
}

/// The homes of one level that a map draws: every `step`-th applicant of
/// the level in id order, at most [`HOME_SAMPLE_CAP`] (or the cap given).
#[derive(Debug, Clone, Default)]
pub(crate) struct Sample {
    /// Every `step`-th is drawn.
    pub step: usize,
    /// Indices into the scenario's applicants.
    pub drawn: Vec<usize>,
}

impl Sample {
    /// The sample of a level.
    pub(crate) fn of(scenario: &Scenario, level: Level, cap: usize) -> Sample {
        let members: Vec<usize> = (0..scenario.applicants.len())
            .filter(|&a| scenario.applicants[a].level == level)
            .collect();
        let step = members.len().div_ceil(cap.max(1)).max(1);
        Sample {
            step,
            drawn: members.into_iter().step_by(step).collect(),
        }
    }
}

/// What the map of a level is fitted to: its zones and schools, and the
/// homes drawn without the outer 1 % on each side (one mistyped home far
/// away must not shrink the district to a dot).
pub(crate) fn level_bounds(scenario: &Scenario, level: Level, sample: &Sample) -> Option<Bounds> {
    let mut points: Vec<(f64, f64)> = Vec::new();
    for z in scenario.zones.iter().filter(|z| z.level == level) {
        if let Some(r) = z.area.bounding_rect() {
            points.push((r.min().x, r.min().y));
            points.push((r.max().x, r.max().y));
        }
    }
    points.extend(
        scenario
            .schools
            .iter()
            .filter(|s| s.level == level)
            .map(|s| (s.lon, s.lat)),
    );
    if !sample.drawn.is_empty() {
        let mut lons: Vec<f64> = sample.drawn.iter().map(|&a| scenario.applicants[a].lon).collect();
        let mut lats: Vec<f64> = sample.drawn.iter().map(|&a| scenario.applicants[a].lat).collect();
        lons.sort_by(f64::total_cmp);
        lats.sort_by(f64::total_cmp);
        let last = sample.drawn.len() - 1;
        let (lo, hi) = (last / 100, last - last / 100);
        points.push((lons[lo], lats[lo]));
        points.push((lons[hi], lats[hi]));
    }
    Bounds::of(points)
}

/// Equirectangular projection to metres east and south of the map's
/// north-west corner, the longitude scaled by the cosine of the mid
/// latitude.
pub(crate) struct Projection {
    lon0: f64,
    lat0: f64,
    kx: f64,
    /// Width of the whole map, metres.
    pub width: f64,
    /// Height of the whole map, metres.
    pub height: f64,
}

/// A view box `[x, y, width, height]` in map metres.
pub(crate) type Frame = [f64; 4];

impl Projection {
    /// Fits a box, with a margin ([`Projection::frame`]) on every side.
    pub(crate) fn fit(b: Bounds) -> Projection {
        let kx = M_PER_DEG * ((b.south + b.north) / 2.0).to_radians().cos();
        let mut proj = Projection {
            lon0: b.west,
            lat0: b.north,
            kx,
            width: 0.0,
            height: 0.0,
        };
        let [x, y, w, h] = proj.frame(b);
        proj.lon0 += x / kx;
        proj.lat0 -= y / M_PER_DEG;
        proj.width = w;
        proj.height = h;
        proj
    }

    /// Map coordinates in metres, unrounded.
    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.lon0) * self.kx, (self.lat0 - lat) * M_PER_DEG)
    }

    /// Map coordinates rounded to 1 m.
    pub(crate) fn at(&self, lon: f64, lat: f64) -> (i64, i64) {
        let (x, y) = self.xy(lon, lat);
        (x.round() as i64, y.round() as i64)
    }

    /// Back from map metres to lon/lat.
    fn lonlat(&self, x: f64, y: f64) -> (f64, f64) {
        (self.lon0 + x / self.kx, self.lat0 - y / M_PER_DEG)
    }

    /// The view box (whole metres) showing a box: at least 1 km across,
    /// with a margin of 3 % of its larger side.
    pub(crate) fn frame(&self, b: Bounds) -> Frame {
        let (x0, y0) = self.xy(b.west, b.north);
        let (x1, y1) = self.xy(b.east, b.south);
        let (mut w, mut h) = (x1 - x0, y1 - y0);
        let pad = (w.max(h) * 0.03).max(100.0);
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        w = w.max(1000.0) + 2.0 * pad;
        h = h.max(1000.0) + 2.0 * pad;
        [(cx - w / 2.0).round(), (cy - h / 2.0).round(), w.round(), h.round()]
    }

    /// The whole map's frame.
    pub(crate) fn whole(&self) -> Frame {
        [0.0, 0.0, self.width, self.height]
    }

    /// Metres per nominal pixel.
    pub(crate) fn unit(&self) -> f64 {
        self.width.max(self.height) / MAP_PX
    }
}

/// A frame as a `viewBox` value.
pub(crate) fn frame_attr([x, y, w, h]: Frame) -> String {
    format!("{x:.0} {y:.0} {w:.0} {h:.0}")
}

/// The hatch pattern of multi-school zones, sized for the map (defined
/// once per page: ids are unique in a page).
pub(crate) fn hatch(u: f64) -> Markup {
    let p = (7.0 * u).round().max(1.0);
    let q = (2.5 * u).round().max(1.0);
    html! {
        defs { pattern id="hatch" patternUnits="userSpaceOnUse" width=(p) height=(p) patternTransform="rotate(45)" {
            rect width=(p) height=(p) fill="#dcefe6" {}
            rect width=(q) height=(p) fill="#8cc5ae" {}
        } }
    }
}

// ---------------------------------------------------------------- zones

/// One ring as path data, dropping points closer than `tolerance` metres
/// to the last kept one; empty when fewer than three points remain.
fn ring_path(ring: &geo::LineString<f64>, proj: &Projection, tolerance: f64) -> String {
    let mut kept: Vec<(i64, i64)> = Vec::new();
    let mut last: Option<(f64, f64)> = None;
    let n = ring.0.len();
    for (i, c) in ring.0.iter().enumerate() {
        let p = proj.xy(c.x, c.y);
        let far = last.is_none_or(|q| (p.0 - q.0).hypot(p.1 - q.1) >= tolerance);
        // The closing point repeats the first: skip it, `Z` closes.
        if i + 1 == n && n > 1 {
            break;
        }
        if far {
            let r = (p.0.round() as i64, p.1.round() as i64);
            if kept.last() != Some(&r) {
                kept.push(r);
            }
            last = Some(p);
        }
    }
    if kept.len() < 3 {
        return String::new();
    }
    let mut d = String::with_capacity(kept.len() * 10);
    for (i, (x, y)) in kept.iter().enumerate() {
        let _ = write!(d, "{}{x} {y}", if i == 0 { "M" } else { " " });
    }
    d.push('Z');
    d
}

/// An area as path data (every ring of every polygon).
pub(crate) fn area_path(area: &geo::MultiPolygon<f64>, proj: &Projection) -> String {
    let tolerance = proj.unit();
    let mut d = String::new();
    for poly in &area.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            d.push_str(&ring_path(ring, proj, tolerance));
        }
    }
    d
}

/// The zones of a level, multi-school zones hatched, each with a tooltip
/// naming its schools.
pub(crate) fn zones_layer(scenario: &Scenario, level: Level, proj: &Projection) -> Markup {
    html! {
        g.zones {
            @for (i, z) in scenario.zones.iter().enumerate().filter(|(_, z)| z.level == level) {
                @let d = area_path(&z.area, proj);
                @if !d.is_empty() {
                    @let multi = z.schools.len() > 1;
                    @let names: Vec<String> = z.schools.iter().map(|&s| {
                        let s = scenario.school(s);
                        format!("{} ({})", s.name, s.id)
                    }).collect();
                    path.zone.multi[multi] id={"z" (i)} d=(PreEscaped(d)) {
                        title { (z.id) " · " (if multi { "multi-school zone" } else { "zone" }) ": " (names.join(", ")) }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- homes

/// Homes as one path per stage (`M x y h0` dots, drawn with round caps).
pub(crate) fn homes_paths(scenario: &Scenario, outcome: &Outcome, homes: &[usize], proj: &Projection) -> Markup {
    let mut paths: [String; STAGES.len()] = Default::default();
    for &a in homes {
        let app = &scenario.applicants[a];
        let (x, y) = proj.at(app.lon, app.lat);
        let _ = write!(paths[stage_index(outcome.placements[a].stage)], "M{x} {y}h0");
    }
    html! {
        @for (st, d) in paths.into_iter().enumerate() {
            @if !d.is_empty() {
                path class={"homes st" (st)} d=(PreEscaped(d)) {}
            }
        }
    }
}

// -------------------------------------------------------------- schools

/// Applicants per seat: applied in the school's lottery stage ÷ seats.
pub(crate) fn demand(applicants: u32, capacity: u32) -> Option<f64> {
    (capacity > 0).then(|| f64::from(applicants) / f64::from(capacity))
}

/// Admitted ÷ seats.
pub(crate) fn utilisation(admitted: u32, capacity: u32) -> Option<f64> {
    (capacity > 0).then(|| f64::from(admitted) / f64::from(capacity))
}

/// The demand colour scale, a diverging blue–yellow–red from 0.5 to 1.5
/// applicants per seat: blue has room, pale yellow is just full, red is
/// oversubscribed by half or more.
const DEMAND_STOPS: [(f64, [u8; 3]); 5] = [
    (0.5, [0x2c, 0x7b, 0xb6]),
    (0.75, [0xab, 0xd9, 0xe9]),
    (1.0, [0xff, 0xff, 0xbf]),
    (1.25, [0xfd, 0xae, 0x61]),
    (1.5, [0xd7, 0x19, 0x1c]),
];

/// The colour of a demand ratio (grey without seats).
pub(crate) fn demand_colour(ratio: Option<f64>) -> String {
    let Some(r) = ratio else {
        return "#bdbdbd".to_string();
    };
    let r = r.clamp(DEMAND_STOPS[0].0, DEMAND_STOPS[DEMAND_STOPS.len() - 1].0);
    for pair in DEMAND_STOPS.windows(2) {
        let ((a, ca), (b, cb)) = (pair[0], pair[1]);
        if r <= b {
            let t = if b > a { (r - a) / (b - a) } else { 0.0 };
            let mix = |i: usize| (f64::from(ca[i]) + (f64::from(cb[i]) - f64::from(ca[i])) * t).round() as u8;
            return format!("#{:02x}{:02x}{:02x}", mix(0), mix(1), mix(2));
        }
    }
    "#d7191c".to_string()
}

/// A school's tooltip: name, id, sector, level, demand, seats filled.
pub(crate) fn school_title(scenario: &Scenario, outcome: &Outcome, s: usize) -> String {
    let school = &scenario.schools[s];
    let r = &outcome.schools[s];
    let mut t = format!(
        "{} ({}) · {} {} · {} applied for {} seats",
        school.name,
        school.id,
        school.sector.as_str(),
        school.level.as_str(),
        thousands(u64::from(r.applicants)),
        thousands(u64::from(school.capacity))
    );
    if let Some(d) = demand(r.applicants, school.capacity) {
        let _ = write!(t, " ({d:.2} per seat)");
    }
    let _ = write!(t, " · {} admitted", thousands(u64::from(r.admitted)));
    if let Some(u) = utilisation(r.admitted, school.capacity) {
        let _ = write!(t, ", {:.0}% of seats filled", u * 100.0);
    }
    if r.admitted_fallback > 0 {
        let _ = write!(
            t,
            ", {} by district placement",
            thousands(u64::from(r.admitted_fallback))
        );
    }
    if r.oversubscribed {
        t.push_str(" · oversubscribed");
    }
    t
}

/// A school's symbol on a map: where, how big, which shape.
struct Symbol {
    s: usize,
    x: i64,
    y: i64,
    r: f64,
    private: bool,
}

/// The school symbols of a level, largest first (so small ones stay on
/// top and clickable). Symbol area is proportional to seats, sized for the
/// density of the level's schools in its frame.
pub(crate) struct Schools {
    symbols: Vec<Symbol>,
    u: f64,
}

impl Schools {
    /// Sizes and places the symbols, marking each one taken.
    pub(crate) fn of(
        scenario: &Scenario,
        level: Level,
        proj: &Projection,
        frame: Frame,
        placer: &mut Placer,
    ) -> Schools {
        let u = proj.unit();
        let mut order: Vec<usize> = (0..scenario.schools.len())
            .filter(|&s| scenario.schools[s].level == level)
            .collect();
        order.sort_by(|&a, &b| {
            scenario.schools[b]
                .capacity
                .cmp(&scenario.schools[a].capacity)
                .then(a.cmp(&b))
        });
        let max_cap = order.first().map_or(0, |&s| scenario.schools[s].capacity);
        let area_px = (frame[2] / u) * (frame[3] / u);
        let rmax = (0.3 * (area_px / order.len().max(1) as f64).sqrt()).clamp(4.0, 16.0) * u;
        let symbols: Vec<Symbol> = order
            .iter()
            .map(|&s| {
                let school = &scenario.schools[s];
                let (x, y) = proj.at(school.lon, school.lat);
                let r = if max_cap == 0 {
                    3.0 * u
                } else {
                    (rmax * (f64::from(school.capacity) / f64::from(max_cap)).sqrt()).max(3.0 * u)
                };
                Symbol {
                    s,
                    x,
                    y,
                    r,
                    private: school.sector == Sector::Private,
                }
            })
            .collect();
        for m in &symbols {
            let (x, y) = (m.x as f64, m.y as f64);
            placer.take([x - m.r, y - m.r, x + m.r, y + m.r]);
        }
        Schools { symbols, u }
    }

    /// The symbols, coloured by applicants per seat, each with its tooltip.
    pub(crate) fn layer(&self, scenario: &Scenario, outcome: &Outcome) -> Markup {
        html! {
            g.schools {
                @for m in &self.symbols {
                    @let school = &scenario.schools[m.s];
                    @let fill = demand_colour(demand(outcome.schools[m.s].applicants, school.capacity));
                    @let title = school_title(scenario, outcome, m.s);
                    @if m.private {
                        // A square of the same area as the circle.
                        @let side = m.r * std::f64::consts::PI.sqrt();
                        rect.school.private data-s=(m.s) x=(format!("{:.0}", m.x as f64 - side / 2.0)) y=(format!("{:.0}", m.y as f64 - side / 2.0))
                            width=(format!("{side:.0}")) height=(format!("{side:.0}")) fill=(fill) { title { (title) } }
                    } @else {
                        circle.school data-s=(m.s) cx=(m.x) cy=(m.y) r=(format!("{:.0}", m.r)) fill=(fill) { title { (title) } }
                    }
                }
            }
        }
    }

    /// The labels, placed in order of seats where they overlap nothing
    /// taken (call after the zone labels, which matter more on a map of
    /// zones); a label with no free place is dropped.
    pub(crate) fn labels(&self, scenario: &Scenario, placer: &mut Placer) -> Markup {
        let labels: Vec<(f64, f64, &'static str, String)> = self
            .symbols
            .iter()
            .filter_map(|m| school_label(scenario, m, self.u, placer))
            .collect();
        html! {
            g.slabels aria-hidden="true" {
                @for (x, y, anchor, text) in labels {
                    text x=(format!("{x:.0}")) y=(format!("{y:.0}")) text-anchor=(anchor) { (text) }
                }
            }
        }
    }
}

// ------------------------------------------------ scale bar, north arrow

/// The longest round distance (1, 2 or 5 × 10ⁿ metres) not over `m`.
fn nice_length(m: f64) -> f64 {
    let p = 10f64.powf(m.max(1.0).log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|k| k * p)
        .find(|&l| l <= m)
        .unwrap_or(p)
}

/// A scale bar (bottom left, about a fifth of the frame wide) and a north
/// arrow (top right) for a frame. The map is north-up and its units are
/// metres at the mid latitude.
pub(crate) fn scale_and_north(frame: Frame, u: f64) -> Markup {
    let [fx, fy, fw, fh] = frame;
    let len = nice_length(fw / 5.0);
    let (x0, y0) = (fx + 14.0 * u, fy + fh - 14.0 * u);
    let label = if len >= 1000.0 {
        format!("{} km", len / 1000.0)
    } else {
        format!("{len} m")
    };
    let tick = 5.0 * u;
    let bar = format!("M{:.0} {:.0}V{:.0}H{:.0}V{:.0}", x0, y0 - tick, y0, x0 + len, y0 - tick);
    let (nx, ny, a) = (fx + fw - 18.0 * u, fy + 16.0 * u, 7.0 * u);
    let arrow = format!(
        "M{:.0} {:.0}L{:.0} {:.0}L{:.0} {:.0}L{:.0} {:.0}Z",
        nx,
        ny,
        nx + a,
        ny + 2.6 * a,
        nx,
        ny + 1.9 * a,
        nx - a,
        ny + 2.6 * a
    );
    html! {
        g.deco aria-hidden="true" style={"font-size:" (format!("{:.0}", 11.0 * u)) "px"} {
            path.scalebar d=(bar) {}
            text x=(format!("{:.0}", x0 + len / 2.0)) y=(format!("{:.0}", y0 - tick - 3.0 * u)) text-anchor="middle" { (label) }
            path.north d=(arrow) {}
            text x=(format!("{nx:.0}")) y=(format!("{:.0}", ny - 3.0 * u)) text-anchor="middle" { "N" }
        }
    }
}

/// The legend key of the school colours: the ramp, its ticks and what it
/// measures.
pub(crate) fn demand_key() -> Markup {
    html! {
        p.scale-label { "Applicants per seat (applied to the school in its lottery stage ÷ seats); over 1 = oversubscribed" }
        div.ramp aria-hidden="true" {}
        div.ramp-ticks { span { "≤ 0.5" } span { "0.75" } span { "1" } span { "1.25" } span { "≥ 1.5" } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demand_colours() {
        assert_eq!(demand_colour(Some(0.0)), "#2c7bb6");
        assert_eq!(demand_colour(Some(0.5)), "#2c7bb6");
        assert_eq!(demand_colour(Some(1.0)), "#ffffbf");
        assert_eq!(demand_colour(Some(1.5)), "#d7191c");
        assert_eq!(demand_colour(Some(9.0)), "#d7191c");
        assert_eq!(demand_colour(None), "#bdbdbd");
        assert_eq!(demand(30, 20), Some(1.5));
        assert_eq!(demand(3, 0), None);
    }

    #[test]
    fn nice_lengths() {
        assert_eq!(nice_length(1_234.0), 1_000.0);
        assert_eq!(nice_length(2_600.0), 2_000.0);
        assert_eq!(nice_length(740.0), 500.0);
        assert_eq!(nice_length(0.5), 1.0);
    }
}
