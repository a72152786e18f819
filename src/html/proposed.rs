//! `proposed.html`: the map `catchment propose-zones` drew, over today's.
//!
//! Per level: one map with the proposed zones filled, today's zones as
//! dashed outlines, schools sized by seats and coloured by applicants per
//! seat in the round on the proposed map; then the zone table
//! (`zones.csv`), the figures against the lower bound and today's map,
//! the move-cost trade-off when asked for, the multi-school zones made by
//! `--pool` (why, and their distance cost), and the notes.

use maud::{html, Markup, PreEscaped};
use serde_json::Value;

use super::map::{self, Bounds, Placer, Projection, Sample, HOME_SAMPLE_CAP};
use super::table::{head, num};
use super::{metres, pct, thousands};
use crate::scenario::{Level, Scenario};
use crate::zoning::output::{distance_cost, Rounds, METHOD};
use crate::zoning::{LevelProposal, Proposal};

/// Renders the page; `summary` is `summary.json`'s value.
pub fn page(scenario: &Scenario, proposal: &Proposal, rounds: Rounds, summary: &Value) -> Vec<u8> {
    let o = &proposal.options;
    let units = match &o.units {
        Some(u) => format!(
            "blocks from {}",
            u.path
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().to_string())
        ),
        None => format!("{} cells of {} m", o.shape.as_str(), o.unit_m),
    };
    let mut defs = true;
    let body = html! {
        header {
            h1 { "Proposed catchment map" }
            p.lead {
                "Single-school zones drawn by " code { "catchment propose-zones" } " from " (units)
                ", each school's demand at most its seats × " (format!("{:.2}", 1.0 + o.slack))
                @if o.move_cost_m > 0.0 { ", " (metres(o.move_cost_m)) " added per pupil moved from today's zone school" }
                ". Every zone is connected and holds its school."
                @if o.pool {
                    " With " code { "--pool" } ", a zone whose school turned children away is merged with neighbouring \
                    zones that have spare seats into a multi-school zone (多校划片), kept only where the round on the map then \
                    sends fewer children to district placement or leaves fewer unplaced."
                }
            }
            p.hint { "Method: " (METHOD) "." }
        }
        section #figures aria-labelledby="fig-h" {
            h2 #fig-h { "Figures" }
            div.tablewrap { table {
                (head(&[("level", false), ("zones", true), ("pupils", true), ("mean distance", true),
                    ("total distance, m", true), ("lower bound, m", true), ("gap", true), ("over capacity", true),
                    ("pupils moved", true), ("households moved", true)]))
                tbody { @for l in &proposal.levels {
                    @let lj = level_value(summary, l.level);
                    tr {
                        td { (l.level.as_str()) }
                        (num(l.zones.len()))
                        (num(thousands(l.pupils)))
                        (num(if l.pupils > 0 { metres(l.total_distance_m / l.pupils as f64) } else { "—".to_string() }))
                        (num(format!("{:.0}", l.total_distance_m)))
                        (num(format!("{:.0}", l.lower_bound_m)))
                        (num(lj.and_then(|v| v.get("gap")).and_then(Value::as_f64).map_or("—".to_string(), |g| format!("+{}", pct(g)))))
                        (num(l.excess))
                        (num(l.moved.map_or("—".to_string(), |m| thousands(m.0))))
                        (num(l.moved.map_or("—".to_string(), |m| thousands(m.1))))
                    }
                } }
            } }
            p.hint {
                "The lower bound is the exact minimum of the same objective with the same capacities and no contiguity \
                 (a min-cost flow of pupils to schools): no map can do better. Pupils moved: those whose proposed zone \
                 school is not one of today's zone's schools."
            }
            (round_table(proposal, summary))
        }
        @for l in &proposal.levels {
            (level_section(scenario, l, rounds, std::mem::replace(&mut defs, false)))
        }
    };
    super::page(
        "Proposed catchment map",
        body,
        "Applicant ids are pseudonymous; this page holds no personal data. The same inputs and options give this page byte for byte.",
    )
}

fn level_value(summary: &Value, level: Level) -> Option<&Value> {
    summary.get("levels").and_then(Value::as_array).and_then(|ls| {
        ls.iter()
            .find(|v| v.get("level").and_then(Value::as_str) == Some(level.as_str()))
    })
}

/// The round on today's map and on the proposed one, per level.
fn round_table(proposal: &Proposal, summary: &Value) -> Markup {
    let get = |v: Option<&Value>, k: &str| v.and_then(|v| v.get(k)).cloned().unwrap_or(Value::Null);
    let show = |v: Value| match v {
        Value::Null => "—".to_string(),
        Value::Number(n) => n.as_f64().map_or(n.to_string(), |f| format!("{f:.0}")),
        other => other.to_string(),
    };
    html! {
        h3 { "The round on each map (same seed)" }
        div.tablewrap { table {
            (head(&[("level", false), ("measure", false), ("today", true), ("proposed", true)]))
            tbody { @for l in &proposal.levels {
                @let lv = level_value(summary, l.level).and_then(|v| v.get("round"));
                @let (t, p) = (lv.and_then(|r| r.get("today")).filter(|v| !v.is_null()), lv.and_then(|r| r.get("proposed")));
                @for (label, key) in [("placed in their zone", "placed_in_zone"), ("sent to district placement", "district_placement"), ("unplaced", "unplaced"), ("schools oversubscribed", "schools_oversubscribed")] {
                    tr { td { (l.level.as_str()) } td { (label) } (num(show(get(t, key)))) (num(show(get(p, key)))) }
                }
                @let md = |v: Option<&Value>| v.and_then(|v| v.get("distance_m")).and_then(|d| d.get("mean")).cloned().unwrap_or(Value::Null);
                tr { td { (l.level.as_str()) } td { "mean distance, m" } (num(show(md(t)))) (num(show(md(p)))) }
            } }
        } }
    }
}

fn level_section(scenario: &Scenario, l: &LevelProposal, rounds: Rounds, defs: bool) -> Markup {
    let name = l.level.as_str();
    let after = rounds.proposed;
    let sample = Sample::of(after.scenario, l.level, HOME_SAMPLE_CAP);
    let bounds = map::level_bounds(after.scenario, l.level, &sample)
        .into_iter()
        .chain(map::level_bounds(scenario, l.level, &sample))
        .reduce(Bounds::union);
    let svg = bounds.map(|b| {
        let proj = Projection::fit(b);
        let u = proj.unit();
        let frame = proj.whole();
        let mut placer = Placer::new(frame);
        let schools = map::Schools::of(after.scenario, l.level, &proj, frame, &mut placer);
        let zone_labels = map::zone_labels(after.scenario, l.level, &proj, &mut placer);
        let school_labels = schools.labels(after.scenario, &mut placer);
        let today: String = scenario
            .zones
            .iter()
            .filter(|z| z.level == l.level)
            .map(|z| map::area_path(&z.area, &proj))
            .collect();
        html! {
            svg.cmap viewBox=(map::frame_attr(frame)) role="img" aria-label={(name) " proposed map"} style={"--u:" (format!("{u:.3}"))} {
                @if defs { (map::hatch(u)) }
                (map::zones_layer(after.scenario, l.level, &proj))
                g.homes-layer { (map::homes_paths(after.scenario, after.outcome, &sample.drawn, &proj)) }
                @if !today.is_empty() { path.outline d=(PreEscaped(today)) {} }
                (schools.layer(after.scenario, after.outcome))
                (zone_labels)
                (school_labels)
                (map::scale_and_north(frame, u))
            }
        }
    });
    html! {
        section id={"map-" (name)} aria-labelledby={"map-" (name) "-h"} {
            h2 id={"map-" (name) "-h"} { "Map: " (name) }
            @if let Some(svg) = svg {
                figure.single { (svg) }
                div.keyrow {
                    span { i.kline {} "today's zones" }
                    span { "filled: proposed zones; dots: homes coloured by the stage that placed them on the proposed map" }
                }
                div.keyrow.demand { (map::demand_key()) }
            }
            h3 { "Zones" }
            div.tablewrap { table.sortable {
                (head(&[("zone", false), ("school", false), ("seats", true), ("cap", true), ("demand", true),
                    ("mean distance, m", true), ("nearest school share", true), ("units", true)]))
                tbody { @for z in &l.zones {
                    @let s = scenario.school(z.school);
                    tr {
                        td { (z.id) } td { (s.name) " (" (s.id) ")" } (num(z.seats)) (num(z.cap)) (num(z.demand))
                        (num(z.mean_distance_m.map_or("—".to_string(), |m| format!("{m:.0}"))))
                        (num(z.share_nearest.map_or("—".to_string(), pct)))
                        (num(z.units))
                    }
                } }
            } }
            @if !l.sweep.is_empty() {
                h3 { "Distance against families moved (--move-cost-sweep)" }
                div.tablewrap { table {
                    (head(&[("move cost, m per pupil", true), ("total distance, m", true), ("mean distance, m", true),
                        ("pupils moved", true), ("households moved", true), ("over capacity", true)]))
                    tbody { @for r in &l.sweep {
                        tr {
                            (num(format!("{:.0}", r.move_cost_m))) (num(format!("{:.0}", r.total_distance_m)))
                            (num(r.mean_distance_m.map_or("—".to_string(), |m| format!("{m:.0}"))))
                            (num(r.pupils_moved)) (num(r.households_moved)) (num(r.excess))
                        }
                    } }
                } }
            }
            @if let Some(p) = &l.pooling {
                h3 { "Multi-school zones (--pool)" }
                p {
                    "Children sent to district placement or left unplaced by the round: " (thousands(p.sent_unpooled)) " without pools, "
                    (thousands(p.sent_pooled)) " with them; mean distance of placed children "
                    (p.mean_distance_unpooled_m.map_or("—".to_string(), metres)) " → "
                    (p.mean_distance_pooled_m.map_or("—".to_string(), metres)) " (" (rounds_run(p.trials)) ")."
                }
                @if p.pools.is_empty() {
                    p.hint { "No pool lowered the number of children sent to district placement or left unplaced, so none was made." }
                } @else {
                    div.tablewrap { table {
                        (head(&[("pool", false), ("schools", false), ("why: turned away", true), ("spare seats joined", true),
                            ("sent to placement or unplaced, before", true), ("after", true), ("mean distance before, m", true),
                            ("after, m", true), ("distance cost, m", true)]))
                        tbody { @for x in &p.pools {
                            tr {
                                td { (x.id) }
                                td { (x.schools.iter().map(|&s| scenario.school(s).name.as_str()).collect::<Vec<_>>().join(", ")) }
                                (num(x.overflow)) (num(x.spare)) (num(x.sent_before)) (num(x.sent_after))
                                (num(x.mean_distance_before_m.map_or("—".to_string(), |m| format!("{m:.0}"))))
                                (num(x.mean_distance_after_m.map_or("—".to_string(), |m| format!("{m:.0}"))))
                                (num(distance_cost(x).map_or("—".to_string(), |m| format!("{m:+.0}"))))
                            }
                        } }
                    } }
                    p.hint {
                        "Why: the first zone's school turned children away in the zone stage, and the zones joined had seats \
                         left. Inside a pool, seats go by (priority, ticket) with each child ranking the pool's schools by \
                         distance, so a child next to a full school can be placed at another school of the pool: that is the \
                         distance cost."
                    }
                }
            }
            @if !l.notes.is_empty() {
                h3 { "Notes" }
                ul { @for n in &l.notes { li { (n) } } }
            }
        }
    }
}

/// "1 round run", "3 rounds run".
fn rounds_run(n: usize) -> String {
    format!("{n} round{} run", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::rounds_run;

    #[test]
    fn rounds_run_is_singular_for_one() {
        assert_eq!(rounds_run(1), "1 round run");
        assert_eq!(rounds_run(2), "2 rounds run");
        assert_eq!(rounds_run(0), "0 rounds run");
    }
}
