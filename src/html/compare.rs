//! `compare.html`: one round under two catchment maps, side by side
//! ([`crate::compare`] computes the figures).
//!
//! The page names both maps, then gives what changes (distances,
//! oversubscription, unplaced, large classes); per level that changes,
//! the two maps on one projection with the changed area outlined and the
//! homes that change school ringed, and a per-zone before/after table (a
//! level where nothing changes is one line); the schools; and the
//! applicants whose outcome changes, with school names.

use maud::{html, Markup, PreEscaped};
use serde_json::Value;

use super::map::{self, Bounds, Placer, Projection, Sample, HOME_SAMPLE_CAP};
use super::table::{delta_cell, head, num};
use super::{stage_index, stage_name, thousands};
use crate::compare::{
    change_counts, changed, changed_area, changes_school, figures, id_level, level_unchanged, outcome_of, school_cells,
    school_pairs, zone_rows, Figures, Pair, Side, ZoneFigures,
};
use crate::round::Stage;
use crate::scenario::{Level, Scenario};

/// Changed applicants listed at most (`changes.csv` has all).
const CHANGE_ROWS: usize = 500;

/// Renders `compare.html`; `proposed` names the proposed map (a file
/// name, or the other scenario's folder).
pub fn page(before: Side, after: Side, pairs: &[Pair], proposed: &str) -> Vec<u8> {
    let levels: Vec<Level> = Level::ALL
        .into_iter()
        .filter(|&l| {
            [before, after].iter().any(|s| {
                s.scenario.applicants.iter().any(|a| a.level == l) || s.scenario.zones.iter().any(|z| z.level == l)
            })
        })
        .collect();
    let sha = |s: &Scenario| {
        s.inputs
            .iter()
            .find(|f| f.name == "zones.geojson")
            .map_or("none".to_string(), |f| f.sha256[..12].to_string())
    };
    let mut defs = true;
    let body = html! {
        header {
            h1 { "Catchment map comparison" }
            p.lead {
                "The same round run twice: " strong { "before" } " with the current map (zones.geojson, sha256 "
                (sha(before.scenario)) "…), " strong { "after" } " with the proposed map " code { (proposed) }
                " (sha256 " (sha(after.scenario)) "…)."
            }
            p.hint {
                "Seed before: " code { (before.scenario.policy.seed) } "; after: " code { (after.scenario.policy.seed) }
                ". Each round's full report is " a href="before/report.html" { "before/report.html" } " and "
                a href="after/report.html" { "after/report.html" } "."
            }
        }
        (summary_section(before, after, pairs))
        @for level in levels {
            @let outline = changed_area(before.scenario, after.scenario, level);
            @if level_unchanged(before, after, pairs, level, &outline) {
                p.same id={"map-" (level.as_str())} {
                    strong { (level.as_str()) ": no change." } " The same zones, and every "
                    (level.as_str()) " applicant has the same outcome in both rounds ("
                    (thousands(figures(before, Some(level)).applicants)) " applicants)."
                }
            } @else {
                (level_section(before, after, pairs, level, &outline, std::mem::replace(&mut defs, false)))
            }
        }
        (schools_section(before, after))
        (changes_section(before, after, pairs))
    };
    super::page(
        &format!("Catchment map comparison — {}", after.scenario.policy.seed),
        body,
        "Applicant ids are pseudonymous; this page holds no other personal data. \
         The same inputs and seeds give this page byte for byte.",
    )
}

fn summary_section(before: Side, after: Side, pairs: &[Pair]) -> Markup {
    let (apps, households, rows) = change_counts(before, after, pairs, None);
    let blocks: Vec<(&str, Figures, Figures)> = [None, Some(Level::Primary), Some(Level::Junior)]
        .into_iter()
        .map(|l| (l.map_or("all", Level::as_str), figures(before, l), figures(after, l)))
        // A level whose figures do not change is left out (its line below says so).
        .filter(|(name, b, a)| *name == "all" || ((b.applicants > 0 || a.applicants > 0) && b != a))
        .collect();
    let dist = |f: &Figures, k: &str| f.distance.get(k).and_then(Value::as_f64);
    let show = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.0}"));
    html! {
        section #summary aria-labelledby="sum-h" {
            h2 #sum-h { "What changes" }
            p {
                strong { (apps) } " applicants in " strong { (households) } " households change school; "
                (rows) " applicants have some change of school, stage or distance (all listed in " code { "changes.csv" } ")."
            }
            div.tablewrap { table {
                (head(&[("measure", false), ("level", false), ("before", true), ("after", true), ("change", true)]))
                tbody { @for (name, b, a) in &blocks {
                    @for (label, key) in [("mean distance, m", "mean"), ("90th percentile distance, m", "p90"), ("longest distance, m", "max")] {
                        @let (x, y) = (dist(b, key), dist(a, key));
                        tr {
                            td { (label) } td { (name) } (num(show(x))) (num(show(y)))
                            @if let (Some(x), Some(y)) = (x, y) { (delta_cell(x, y, Some(true))) } @else { td {} }
                        }
                    }
                    @for (label, x, y) in [
                        ("schools oversubscribed", b.schools_oversubscribed, a.schools_oversubscribed),
                        ("applicants unplaced", b.applicants_unplaced, a.applicants_unplaced),
                        ("large classes 大班额 (56–65)", b.large_classes, a.large_classes),
                        ("super-large classes 超大班额 (66+)", b.super_large_classes, a.super_large_classes),
                    ] {
                        tr { td { (label) } td { (name) } (num(x)) (num(y)) (delta_cell(x as f64, y as f64, Some(true))) }
                    }
                } }
            } }
        }
    }
}

/// One level that changes: the two maps, their key, the zone table.
fn level_section(
    before: Side,
    after: Side,
    pairs: &[Pair],
    level: Level,
    outline: &geo::MultiPolygon<f64>,
    defs: bool,
) -> Markup {
    let mut hb = vec![false; before.scenario.applicants.len()];
    let mut ha = vec![false; after.scenario.applicants.len()];
    let mut moved = 0;
    for &p in pairs {
        if let (true, Some(i), Some(j)) = (changes_school(before, after, p), p.before, p.after) {
            hb[i] = true;
            ha[j] = true;
            moved += u64::from(after.scenario.applicants[j].level == level);
        }
    }
    let maps = level_maps(&[(before, &hb), (after, &ha)], level, outline, defs);
    let name = level.as_str();
    html! {
        section id={"map-" (name)} aria-labelledby={"map-" (name) "-h"} {
            h2 id={"map-" (name) "-h"} { "Maps: " (name) }
            p.hint {
                (moved) " " (name) " applicants change school; their homes are ringed in black on both maps, in the \
                colour of the stage that placed them in that round, and other homes are dimmed."
                @if !outline.0.is_empty() { " The area that moves to another zone is outlined in dashed black." }
            }
            div.pair {
                @for (caption, svg) in ["Before: current map", "After: proposed map"].iter().zip(maps) {
                    figure { figcaption { (caption) } (svg) }
                }
            }
            div.keyrow {
                @for st in [Stage::PrivateLottery, Stage::Zone, Stage::Fallback, Stage::Unplaced] {
                    span { i class={"kdot st" (stage_index(st))} {} (stage_name(st)) }
                }
                span { i class={"kdot ringed st" (stage_index(Stage::Zone))} {} "changes school" }
                @if !outline.0.is_empty() { span { i.kline {} "area that changes zone" } }
                span { "hatched: multi-school zone" }
            }
            div.keyrow.demand { (map::demand_key()) }
            (zone_table(before, after, level))
        }
    }
}

/// One level of both rounds as static SVG maps on one projection and
/// frame, so they can be laid side by side: zones (multi-school zones
/// hatched), homes coloured by stage (sampled as in the report, dimmed
/// when something is highlighted), highlighted homes ringed, schools sized
/// by seats and coloured by applicants per seat, labels, the changed area
/// outlined, a scale bar and a north arrow. The hatch pattern is defined
/// when `defs` (once per page: ids are unique in a page).
fn level_maps(
    rounds: &[(Side, &[bool]); 2],
    level: Level,
    outline: &geo::MultiPolygon<f64>,
    defs: bool,
) -> Vec<Markup> {
    let samples: Vec<Sample> = rounds
        .iter()
        .map(|(side, _)| Sample::of(side.scenario, level, HOME_SAMPLE_CAP))
        .collect();
    let Some(bounds) = rounds
        .iter()
        .zip(&samples)
        .filter_map(|((side, _), sample)| map::level_bounds(side.scenario, level, sample))
        .reduce(Bounds::union)
    else {
        return vec![html! {}, html! {}];
    };
    let proj = Projection::fit(bounds);
    let u = proj.unit();
    let frame = proj.whole();
    let outline_d = map::area_path(outline, &proj);
    rounds
        .iter()
        .zip(&samples)
        .enumerate()
        .map(|(i, ((side, highlight), sample))| {
            let (sc, out) = (side.scenario, side.outcome);
            let lit = |a: usize| highlight.get(a).copied().unwrap_or(false);
            let plain: Vec<usize> = sample.drawn.iter().copied().filter(|&a| !lit(a)).collect();
            let marked: Vec<usize> = (0..sc.applicants.len())
                .filter(|&a| sc.applicants[a].level == level && lit(a))
                .collect();
            let ring: String = marked
                .iter()
                .map(|&a| {
                    let (x, y) = proj.at(sc.applicants[a].lon, sc.applicants[a].lat);
                    format!("M{x} {y}h0")
                })
                .collect();
            let mut placer = Placer::new(frame);
            let schools = map::Schools::of(sc, level, &proj, frame, &mut placer);
            let zone_labels = map::zone_labels(sc, level, &proj, &mut placer);
            let school_labels = schools.labels(sc, &mut placer);
            let aria = format!("{} map {}", level.as_str(), if i == 0 { "before" } else { "after" });
            html! {
                svg.cmap viewBox=(map::frame_attr(frame)) role="img" aria-label=(aria) style={"--u:" (format!("{u:.3}"))} {
                    @if defs && i == 0 { (map::hatch(u)) }
                    (map::zones_layer(sc, level, &proj))
                    g.homes-layer.dim[!marked.is_empty()] { (map::homes_paths(sc, out, &plain, &proj)) }
                    @if !ring.is_empty() {
                        g.changed-layer {
                            path.ring d=(PreEscaped(ring)) {}
                            (map::homes_paths(sc, out, &marked, &proj))
                        }
                    }
                    @if !outline_d.is_empty() { path.outline d=(PreEscaped(&outline_d)) {} }
                    (schools.layer(sc, out))
                    (school_labels)
                    (zone_labels)
                    (map::scale_and_north(frame, u))
                }
            }
        })
        .collect()
}

/// Per zone of the level: applicants, seats and those placed in the zone,
/// before and after; zones whose figures change are shaded.
fn zone_table(before: Side, after: Side, level: Level) -> Markup {
    let rows = zone_rows(before, after, level);
    let cells = |f: Option<ZoneFigures>| {
        f.map_or(["—".to_string(), "—".to_string(), "—".to_string()], |f| {
            [thousands(f.applicants), thousands(f.seats), thousands(f.placed_in_zone)]
        })
    };
    html! {
        @if !rows.is_empty() {
            div.tablewrap { table.zones-diff {
                caption { "Zones, " (level.as_str()) ": before → after" }
                (head(&[
                    ("zone", false), ("applicants before", true), ("after", true), ("seats before", true), ("after", true),
                    ("placed in zone before", true), ("after", true),
                ]))
                tbody { @for r in &rows {
                    @let (b, a) = (cells(r.before), cells(r.after));
                    tr.moved[r.before != r.after] {
                        td { (r.id) }
                        (num(&b[0])) (num(&a[0])) (num(&b[1])) (num(&a[1])) (num(&b[2])) (num(&a[2]))
                    }
                } }
            } }
        }
    }
}

fn schools_section(before: Side, after: Side) -> Markup {
    let number = |s: &str| s.parse::<f64>().unwrap_or(0.0);
    let pct = |s: &str| {
        if s.is_empty() {
            "—".to_string()
        } else {
            format!("{:.0} %", number(s) * 100.0)
        }
    };
    let yes = |s: &str| if s == "true" { "yes" } else { "no" };
    html! {
        section #schools aria-labelledby="sch-h" {
            h2 #sch-h { "Schools" }
            p.hint { "Schools whose intake changes are shaded. Full table: " code { "schools_diff.csv" } "." }
            div.tablewrap { table.schools {
                (head(&[
                    ("school", false), ("name", false), ("level", false), ("seats", true), ("pupils before", true),
                    ("after", true), ("change", true), ("filled before", true), ("after", true),
                    ("oversubscribed before → after", false), ("largest class before", true), ("after", true),
                ]))
                tbody { @for sp in school_pairs(before.scenario, after.scenario) {
                    @let school = sp.after.map(|i| &after.scenario.schools[i]).or_else(|| sp.before.map(|i| &before.scenario.schools[i]));
                    @if let Some(school) = school {
                        @let b = school_cells(before, sp.before);
                        @let a = school_cells(after, sp.after);
                        tr.moved[b[1] != a[1]] {
                            td { (sp.id) } td { (school.name) } td { (school.level.as_str()) }
                            (num(if a[0].is_empty() { &b[0] } else { &a[0] }))
                            (num(&b[1])) (num(&a[1])) (delta_cell(number(&b[1]), number(&a[1]), None))
                            (num(pct(&b[2]))) (num(pct(&a[2])))
                            td { (yes(&b[3])) " → " (yes(&a[3])) }
                            (num(&b[4])) (num(&a[4]))
                        }
                    }
                } }
            } }
        }
    }
}

/// A school of a round as `id name`, or `—`.
fn school_text(side: Side, a: Option<usize>) -> String {
    a.and_then(|a| side.outcome.placements[a].school)
        .map_or("—".to_string(), |s| {
            let s = side.scenario.school(s);
            format!("{} {}", s.id, s.name)
        })
}

fn changes_section(before: Side, after: Side, pairs: &[Pair]) -> Markup {
    let list: Vec<Pair> = pairs.iter().copied().filter(|&p| changed(before, after, p)).collect();
    let dash = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    html! {
        section #changes aria-labelledby="chg-h" {
            h2 #chg-h { "Applicants whose outcome changes" }
            p.hint {
                (list.len()) " applicants"
                @if list.len() > CHANGE_ROWS { "; the first " (CHANGE_ROWS) " by id are shown" }
                ". Full list: " code { "changes.csv" } "."
            }
            @if !list.is_empty() {
                div.tablewrap { table {
                    (head(&[
                        ("applicant", false), ("level", false), ("school before", false), ("school after", false),
                        ("stage before", false), ("stage after", false), ("distance before, m", true), ("after, m", true),
                    ]))
                    tbody { @for &pair in list.iter().take(CHANGE_ROWS) {
                        @let (id, level) = id_level(before, after, pair);
                        @let (_, st0, d0) = outcome_of(before, pair.before);
                        @let (_, st1, d1) = outcome_of(after, pair.after);
                        tr {
                            td { (id) } td { (level.as_str()) }
                            td { (school_text(before, pair.before)) } td { (school_text(after, pair.after)) }
                            td { (dash(st0)) } td { (dash(st1)) } (num(dash(&d0))) (num(dash(&d1)))
                        }
                    } }
                } }
            }
        }
    }
}
