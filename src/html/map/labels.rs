//! Label placement: greedy, without overlap. Each label has candidate
//! boxes in order of preference; the first that overlaps nothing taken
//! (school symbols, labels placed before it) and stays in the frame wins,
//! and a label with no free candidate is dropped rather than drawn over
//! another.

use geo::{Area, BoundingRect, InteriorPoint, Intersects};
use maud::{html, Markup};

use super::{Frame, Projection, Symbol};
use crate::scenario::{Level, Scenario};

/// Zone labels are drawn when a level has at most this many zones (each
/// zone always has a tooltip).
const ZONE_LABEL_LIMIT: usize = 300;
/// Zone labels' font size, nominal pixels.
const ZONE_FONT: f64 = 12.0;
/// A zone label that does not fit is tried at this fraction of its size.
const SMALL: f64 = 10.0 / 12.0;
/// School labels' font size, nominal pixels.
const SCHOOL_FONT: f64 = 11.0;
/// A school name longer than this (in Latin-letter widths) is labelled by id.
const LONG_NAME: f64 = 22.0;

/// Boxes already taken on a map, `[x0, y0, x1, y1]` in map metres: labels
/// are placed greedily where they overlap none.
#[derive(Default)]
pub(crate) struct Placer {
    taken: Vec<[f64; 4]>,
    /// The frame a label must stay inside.
    frame: Option<Frame>,
}

impl Placer {
    /// An empty map of the frame.
    pub(crate) fn new(frame: Frame) -> Placer {
        Placer {
            taken: Vec::new(),
            frame: Some(frame),
        }
    }

    /// Marks a box taken.
    pub(crate) fn take(&mut self, b: [f64; 4]) {
        self.taken.push(b);
    }

    /// True when the box is inside the frame and overlaps nothing taken.
    fn free(&self, b: [f64; 4]) -> bool {
        let inside = self
            .frame
            .is_none_or(|[x, y, w, h]| b[0] >= x && b[1] >= y && b[2] <= x + w && b[3] <= y + h);
        inside
            && self
                .taken
                .iter()
                .all(|t| b[0] >= t[2] || b[2] <= t[0] || b[1] >= t[3] || b[3] <= t[1])
    }

    /// Takes the first free box of the candidates; its index, or `None`
    /// when every candidate is taken (the label is dropped).
    pub(crate) fn place(&mut self, candidates: &[[f64; 4]], ok: impl Fn(&[f64; 4]) -> bool) -> Option<usize> {
        let i = candidates.iter().position(|b| self.free(*b) && ok(b))?;
        self.take(candidates[i]);
        Some(i)
    }
}

/// The width of a text in ems, estimated: CJK and other wide characters
/// 1 em, the rest 0.6 em.
fn text_ems(text: &str) -> f64 {
    text.chars()
        .map(|c| if u32::from(c) >= 0x2e80 { 1.0 } else { 0.6 })
        .sum()
}

/// Zone labels, smallest zone first, at the first of their candidate
/// positions (inside the zone, nearest its interior point first) that is
/// free; a label with no free place is drawn hidden. Every label keeps its
/// candidates in `data-c`, so the report's script can place it again at
/// another zoom.
pub(crate) fn zone_labels(scenario: &Scenario, level: Level, proj: &Projection, placer: &mut Placer) -> Markup {
    let mut zones: Vec<(usize, f64)> = scenario
        .zones
        .iter()
        .enumerate()
        .filter(|(_, z)| z.level == level)
        .map(|(i, z)| (i, z.area.unsigned_area()))
        .collect();
    if zones.is_empty() || zones.len() > ZONE_LABEL_LIMIT {
        return html! {};
    }
    zones.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let u = proj.unit();
    let (font, h) = (ZONE_FONT * u, ZONE_FONT * u * 1.2);
    html! {
        g.zlabels aria-hidden="true" {
            @for (i, _) in zones {
                @let z = &scenario.zones[i];
                @let candidates = label_candidates(&z.area, proj);
                @if let Some(&(x0, y0)) = candidates.first() {
                    @let inside = |b: &[f64; 4]| [(b[0], b[1]), (b[2], b[1]), (b[0], b[3]), (b[2], b[3])].iter().all(|&(x, y)| {
                        let (lon, lat) = proj.lonlat(x, y);
                        z.area.intersects(&geo::Point::new(lon, lat))
                    });
                    @let boxes = |scale: f64| -> Vec<[f64; 4]> {
                        let (w, h) = (text_ems(&z.id) * font * scale, h * scale);
                        candidates.iter().map(|&(x, y)| {
                            let (x, y) = (x as f64, y as f64);
                            [x - w / 2.0, y - h / 2.0, x + w / 2.0, y + h / 2.0]
                        }).collect()
                    };
                    // Inside the zone at full size, then smaller; then
                    // spilling over its edge (a narrow zone), likewise.
                    @let placed = [(1.0, true), (SMALL, true), (1.0, false), (SMALL, false)].into_iter().find_map(|(scale, within)| {
                        placer.place(&boxes(scale), |b| !within || inside(b)).map(|k| (k, scale))
                    });
                    @let (x, y) = placed.map_or((x0, y0), |(k, _)| candidates[k]);
                    @let list: Vec<String> = candidates.iter().map(|(x, y)| format!("{x} {y}")).collect();
                    text.small[placed.is_some_and(|(_, scale)| scale < 1.0)] x=(x) y=(y) data-z={"z" (i)} data-c=(list.join(" "))
                        style=[placed.is_none().then_some("display:none")] { (z.id) }
                }
            }
        }
    }
}

/// Up to 12 points inside an area, in map coordinates: its interior point,
/// then points of a 7 × 7 grid over its bounding box that the area
/// covers, nearest the interior point first.
fn label_candidates(area: &geo::MultiPolygon<f64>, proj: &Projection) -> Vec<(i64, i64)> {
    let Some(centre) = area.interior_point() else {
        return Vec::new();
    };
    let c = proj.xy(centre.x(), centre.y());
    let mut points = vec![(0.0, proj.at(centre.x(), centre.y()))];
    if let Some(r) = area.bounding_rect() {
        for i in 1..8 {
            for j in 1..8 {
                let p = geo::Point::new(
                    r.min().x + r.width() * f64::from(i) / 8.0,
                    r.min().y + r.height() * f64::from(j) / 8.0,
                );
                if area.intersects(&p) {
                    let q = proj.xy(p.x(), p.y());
                    points.push(((q.0 - c.0).hypot(q.1 - c.1), proj.at(p.x(), p.y())));
                }
            }
        }
    }
    points[1..].sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(12);
    for (_, p) in points {
        if out.len() == 12 {
            break;
        }
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// A school's label (its name, or its id when the name is long) at the
/// first free place right, left, above or below its symbol; `None` when
/// none is free.
pub(super) fn school_label(
    scenario: &Scenario,
    m: &Symbol,
    u: f64,
    placer: &mut Placer,
) -> Option<(f64, f64, &'static str, String)> {
    let school = &scenario.schools[m.s];
    let text = if text_ems(&school.name) / 0.6 <= LONG_NAME {
        school.name.clone()
    } else {
        school.id.clone()
    };
    let font = SCHOOL_FONT * u;
    let (w, h, gap) = (text_ems(&text) * font, font * 1.2, 2.0 * u);
    let (x, y, r) = (m.x as f64, m.y as f64, m.r);
    // (anchor x, baseline-centre y, text-anchor) per candidate.
    let spots = [
        (x + r + gap, y, "start"),
        (x - r - gap, y, "end"),
        (x, y - r - gap - h / 2.0, "middle"),
        (x, y + r + gap + h / 2.0, "middle"),
    ];
    let boxes: Vec<[f64; 4]> = spots
        .iter()
        .map(|&(sx, sy, anchor)| {
            let x0 = match anchor {
                "start" => sx,
                "end" => sx - w,
                _ => sx - w / 2.0,
            };
            [x0, sy - h / 2.0, x0 + w, sy + h / 2.0]
        })
        .collect();
    let k = placer.place(&boxes, |_| true)?;
    let (sx, sy, anchor) = spots[k];
    Some((sx, sy, anchor, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placer_drops_what_would_overlap() {
        let mut p = Placer::new([0.0, 0.0, 100.0, 100.0]);
        p.take([10.0, 10.0, 20.0, 20.0]);
        // The first candidate overlaps the taken box, the second is free.
        assert_eq!(
            p.place(&[[15.0, 15.0, 25.0, 25.0], [30.0, 30.0, 40.0, 40.0]], |_| true),
            Some(1)
        );
        // Touching edges do not overlap; outside the frame is not free.
        assert_eq!(p.place(&[[40.0, 30.0, 50.0, 40.0]], |_| true), Some(0));
        assert_eq!(p.place(&[[95.0, 0.0, 105.0, 10.0]], |_| true), None);
        assert_eq!(p.place(&[[12.0, 12.0, 18.0, 18.0]], |_| true), None);
    }

    #[test]
    fn wide_characters_count_double() {
        assert!((text_ems("ab") - 1.2).abs() < 1e-9);
        assert!((text_ems("北京") - 2.0).abs() < 1e-9);
    }
}
