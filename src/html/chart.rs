//! Charts as SVG: the report's distance histogram and the forecast's
//! surplus chart. Both scale to the width of their container (`viewBox`,
//! width 100 %).

use maud::{html, Markup};

use super::{metres, stage_name, thousands, STAGES};
use crate::forecast::ForecastRow;

/// Width of a histogram bin, metres.
const BIN_M: f64 = 500.0;
/// Distances beyond this go to one overflow bin, metres.
const HIST_CAP_M: f64 = 10_000.0;

/// An axis label in kilometres.
fn km(m: f64) -> String {
    let k = m / 1000.0;
    if k.fract() == 0.0 {
        format!("{k:.0} km")
    } else {
        format!("{k:.1}")
    }
}

/// A number with one decimal, for SVG coordinates.
fn f1(x: f64) -> String {
    format!("{x:.1}")
}

/// A stacked histogram of distances (500 m bins, one overflow bin above
/// 10 km), each bar split by the stage that placed the applicants;
/// `distances` are `(metres, stage position)`, `max` the largest.
pub(crate) fn histogram(label: &str, distances: &[(f64, usize)], max: f64) -> Markup {
    let overflow = max > HIST_CAP_M;
    let regular = ((max.min(HIST_CAP_M) / BIN_M).ceil() as usize).max(1);
    let bins = regular + usize::from(overflow);
    let mut counts = vec![[0u64; STAGES.len()]; bins];
    for &(d, st) in distances {
        let b = ((d / BIN_M).floor() as usize).min(bins - 1);
        let b = if !overflow && b >= regular { regular - 1 } else { b };
        counts[b][st] += 1;
    }
    let top = counts.iter().map(|c| c.iter().sum::<u64>()).max().unwrap_or(1).max(1);
    let (w, h, left, bottom, top_pad) = (560.0, 230.0, 52.0, 34.0, 14.0);
    let plot_h = h - bottom - top_pad;
    let bw = (w - left - 8.0) / bins as f64;
    let label_every = match bins {
        0..=12 => 2,
        13..=24 => 4,
        _ => 8,
    };
    let base = top_pad + plot_h;
    html! {
        svg viewBox={"0 0 " (w) " " (h)} role="img" aria-label={"Histogram of distances, " (label)} {
            // Axis: count at the top, 0 at the bottom, a gridline between.
            @for frac in [0.0, 0.5, 1.0] {
                @let y = top_pad + plot_h * (1.0 - frac);
                line.grid x1=(left) x2=(w - 8.0) y1=(f1(y)) y2=(f1(y)) {}
                text.ytick x=(left - 6.0) y=(f1(y + 5.0)) { (thousands((top as f64 * frac).round() as u64)) }
            }
            @for (b, c) in counts.iter().enumerate() {
                @let x = left + b as f64 * bw;
                @let last_overflow = overflow && b == bins - 1;
                @let range = if last_overflow {
                    format!("over {}", metres(HIST_CAP_M))
                } else {
                    format!("{}–{}", metres(b as f64 * BIN_M), metres((b + 1) as f64 * BIN_M))
                };
                @let parts: Vec<String> = c.iter().enumerate().filter(|&(_, &n)| n > 0)
                    .map(|(st, &n)| format!("{} {}", stage_name(STAGES[st]), thousands(n))).collect();
                g {
                    title { (range) ": " (thousands(c.iter().sum())) " (" (parts.join(", ")) ")" }
                    @for (st, y, bh) in stack(c, base, plot_h / top as f64) {
                        rect class={"bar st" (st)} x=(f1(x + 0.5)) y=(f1(y)) width=(f1((bw - 1.0).max(0.5))) height=(f1(bh)) {}
                    }
                }
                @if b.is_multiple_of(label_every) && !last_overflow {
                    text.xtick x=(f1(x)) y=(h - bottom + 20.0) { (km(b as f64 * BIN_M)) }
                }
            }
            @if overflow {
                text.xtick x=(f1(left + (bins - 1) as f64 * bw + bw / 2.0)) y=(h - bottom + 20.0) { ">" (km(HIST_CAP_M)) }
            }
            line.axis x1=(left) x2=(w - 8.0) y1=(base) y2=(base) {}
        }
    }
}

/// The bars of one stacked column from the base up: `(stage, y, height)`.
fn stack(counts: &[u64; STAGES.len()], base: f64, per_count: f64) -> Vec<(usize, f64, f64)> {
    let mut y = base;
    let mut out = Vec::new();
    for (st, &n) in counts.iter().enumerate().filter(|(_, &n)| n > 0) {
        let bh = per_count * n as f64;
        y -= bh;
        out.push((st, y, bh));
    }
    out
}

/// One zone's line of the forecast chart: its label and rows by year.
pub(crate) struct ZoneSeries<'a> {
    /// The zone id.
    pub label: &'a str,
    /// Its forecast rows.
    pub rows: Vec<&'a ForecastRow>,
}

/// The text of a zone's label in the forecast chart: its id, and the most
/// classes short in any year.
fn zone_label(z: &ZoneSeries) -> String {
    match z.rows.iter().map(|r| r.classes_short).max().unwrap_or(0) {
        0 => z.label.to_string(),
        short => format!("{} ⚠ {short} cl.", z.label),
    }
}

/// The forecast chart: one row per zone (its label on the left, never
/// clipped: the margin fits the longest), one column per school year
/// (labelled on top and bottom), and in each cell a bar up for spare seats
/// (green) or down for a shortage (red), scaled to the largest surplus or
/// shortage of the level, with its number beside it. 1,000 units wide,
/// drawn at 100 % of the page.
pub(crate) fn forecast_chart(zones: &[ZoneSeries], years: &[i32]) -> Markup {
    const W: f64 = 1000.0;
    const ROW: f64 = 44.0;
    const AXIS: f64 = 28.0;
    // 13-unit labels: about 7.5 units a character, CJK twice that.
    let width = |t: &str| {
        t.chars()
            .map(|c| if u32::from(c) >= 0x2e80 { 14.0 } else { 7.5 })
            .sum::<f64>()
    };
    let labels: Vec<String> = zones.iter().map(zone_label).collect();
    let left = (labels.iter().map(|l| width(l)).fold(0.0, f64::max) + 20.0).clamp(80.0, 480.0);
    let col = (W - left - 10.0) / years.len().max(1) as f64;
    let height = AXIS * 2.0 + ROW * zones.len() as f64;
    let max_abs = zones
        .iter()
        .flat_map(|z| z.rows.iter())
        .map(|r| r.surplus.unsigned_abs())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let half = ROW / 2.0 - 4.0;
    let bw = (col * 0.3).min(36.0);
    html! {
        svg.fchart viewBox={"0 0 " (W) " " (height)} role="img" aria-label="spare seats or shortage per zone and school year" {
            @for (i, year) in years.iter().enumerate() {
                @let cx = left + col * (i as f64 + 0.5);
                line.grid x1=(f1(cx)) x2=(f1(cx)) y1=(AXIS - 4.0) y2=(f1(height - AXIS + 4.0)) {}
                text.xtick x=(f1(cx)) y=(AXIS - 10.0) { (year) }
                text.xtick x=(f1(cx)) y=(f1(height - 8.0)) { (year) }
            }
            @for ((k, z), label) in zones.iter().enumerate().zip(&labels) {
                @let mid = AXIS + ROW * (k as f64 + 0.5);
                text.zlabel.short[label.len() > z.label.len()] x=(f1(left - 10.0)) y=(f1(mid + 4.5)) { (label) }
                line.axis x1=(f1(left)) x2=(W - 10.0) y1=(f1(mid)) y2=(f1(mid)) {}
                @for (i, year) in years.iter().enumerate() {
                    @if let Some(r) = z.rows.iter().find(|r| r.year == *year) {
                        @let bh = (r.surplus as f64 / max_abs * half).abs().max(0.5);
                        @let y = if r.surplus >= 0 { mid - bh } else { mid };
                        @let cx = left + col * (i as f64 + 0.5);
                        rect.fbar.short[r.surplus < 0] x=(f1(cx - bw)) y=(f1(y)) width=(f1(bw)) height=(f1(bh)) {
                            title {
                                (z.label) " " (year) ": " (r.entrants) " entrants, " (r.seats) " seats; "
                                @if r.surplus < 0 { "short " (-r.surplus) " seats, " (r.classes_short) " class(es)" } @else { (r.surplus) " spare seats" }
                            }
                        }
                        text.fval.short[r.surplus < 0] x=(f1(cx + 5.0)) y=(f1(if r.surplus >= 0 { mid - 5.0 } else { mid + 14.0 })) {
                            @if r.surplus > 0 { "+" } (r.surplus)
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels() {
        assert_eq!(km(0.0), "0 km");
        assert_eq!(km(1500.0), "1.5");
        assert_eq!(km(2000.0), "2 km");
    }

    #[test]
    fn forecast_chart_is_full_width_with_years_and_whole_labels() {
        let row = |year, surplus: i64| ForecastRow {
            zone: crate::scenario::ZoneIdx(0),
            level: crate::scenario::Level::Primary,
            year,
            entrants: 100,
            seats: (100 + surplus) as u64,
            surplus,
            classes_short: u64::from(surplus < 0),
        };
        let (a, b) = (row(2027, 12), row(2028, -5));
        let long = "a-zone-with-a-rather-long-name";
        let svg = forecast_chart(
            &[ZoneSeries {
                label: long,
                rows: vec![&a, &b],
            }],
            &[2027, 2028],
        )
        .into_string();
        assert!(svg.starts_with("<svg class=\"fchart\" viewBox=\"0 0 1000 "), "{svg}");
        assert!(!svg.contains("width=\"1000\""), "the chart scales with the page");
        // Each year is ticked above and below, and the label is whole,
        // right-aligned to a margin wide enough for it.
        assert_eq!(svg.matches(">2027</text>").count(), 2);
        assert_eq!(svg.matches(">2028</text>").count(), 2);
        assert!(svg.contains(&format!(">{long} ⚠ 1 cl.</text>")));
        let x: f64 = svg
            .split("class=\"zlabel short\" x=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(x >= (long.len() + 8) as f64 * 7.5, "label margin {x} too narrow");
        assert!(svg.contains(">+12</text>") && svg.contains(">-5</text>"));
    }

    #[test]
    fn stacks_from_the_base_up() {
        let mut c = [0u64; STAGES.len()];
        c[1] = 2;
        c[4] = 1;
        assert_eq!(stack(&c, 100.0, 10.0), vec![(1, 80.0, 20.0), (4, 70.0, 10.0)]);
    }
}
