//! `sites.html`: the page of `catchment sites`: per level a map of today's
//! schools, the candidate sites opened and not opened, the schools closed,
//! and where pupils go (a line from a sample of homes to their site), with
//! the figures and the table of sites.

use maud::{html, Markup, PreEscaped};

use super::map::{frame_attr, scale_and_north, zones_layer, Bounds, Projection};
use super::{metres, page as shell, pct, thousands};
use crate::scenario::Scenario;
use crate::sites::output::RULE_NOTE;
use crate::sites::{Decision, Kind, LevelPlan, SitesPlan};

/// Pupil lines drawn per level at most (every k-th applicant beyond).
const LINES_CAP: usize = 2_000;

/// The whole page.
pub fn page(scenario: &Scenario, plan: &SitesPlan) -> Vec<u8> {
    let body = html! {
        h1 { "School siting" }
        p.note { (RULE_NOTE) "." }
        @for level in &plan.levels {
            (level_section(scenario, level))
        }
    };
    shell("School siting", body, "catchment sites")
}

/// The colour and label of a site's decision.
fn style(kind: Kind, decision: Decision) -> (&'static str, &'static str) {
    match (kind, decision) {
        (_, Decision::Open) => ("#1a9850", "candidate opened"),
        (_, Decision::NotOpened) => ("#bbbbbb", "candidate not opened"),
        (_, Decision::Closed) => ("#d73027", "school closed"),
        (_, Decision::Kept) => ("#2166ac", "school kept"),
    }
}

fn level_section(scenario: &Scenario, level: &LevelPlan) -> Markup {
    let name = level.level.as_str();
    let verdict = if level.proven_optimal {
        "proven optimal".to_string()
    } else {
        format!("best found, gap {} (not proven optimal)", pct(level.gap))
    };
    html! {
        section.level id={"sites-" (name)} {
            h2 { "Level " (name) }
            p {
                (thousands(level.applicants as u64)) " public applicants; chosen layout seats "
                (thousands(level.chosen.seated as u64)) " at a total of " (metres(level.chosen.total_distance_m))
                " (today: " (thousands(level.baseline.seated as u64)) " at " (metres(level.baseline.total_distance_m))
                "); " (verdict) "."
            }
            (map(scenario, level))
            (legend())
            (table(level))
        }
    }
}

fn legend() -> Markup {
    let items = [
        (Kind::Existing, Decision::Kept),
        (Kind::Existing, Decision::Closed),
        (Kind::Candidate, Decision::Open),
        (Kind::Candidate, Decision::NotOpened),
    ];
    html! {
        p.legend {
            @for (k, d) in items {
                @let (colour, label) = style(k, d);
                span.key { svg width="12" height="12" { circle cx="6" cy="6" r="5" fill=(colour) {} } " " (label) " " }
            }
            span.key { "grey lines: a sample of homes to the site they are seated at" }
        }
    }
}

fn map(scenario: &Scenario, level: &LevelPlan) -> Markup {
    let points = level
        .sites
        .iter()
        .map(|s| (s.lon, s.lat))
        .chain(level.pupils.iter().map(|p| p.0));
    let Some(bounds) = Bounds::of(points) else {
        return html! { p { "Nothing to map." } };
    };
    let proj = Projection::fit(bounds);
    let frame = proj.whole();
    let u = proj.unit();
    let step = level.pupils.len().div_ceil(LINES_CAP).max(1);
    let mut lines = String::new();
    for (home, site) in level.pupils.iter().step_by(step) {
        if let Some(j) = site {
            let s = &level.sites[*j];
            let (x0, y0) = proj.at(home.0, home.1);
            let (x1, y1) = proj.at(s.lon, s.lat);
            lines.push_str(&format!("M{x0} {y0}L{x1} {y1}"));
        }
    }
    html! {
        svg.map.sites viewBox=(frame_attr(frame)) role="img" aria-label={"siting map, level " (level.level.as_str())} {
            (zones_layer(scenario, level.level, &proj))
            path.flows d=(PreEscaped(lines)) stroke="#999" stroke-opacity="0.35" stroke-width=((0.8 * u).round().max(1.0)) fill="none" {}
            @for s in &level.sites {
                @let (x, y) = proj.at(s.lon, s.lat);
                @let (colour, label) = style(s.kind, s.decision);
                @let r = ((4.0 + f64::from(s.seats).sqrt() / 3.0) * u).round();
                @if s.kind == Kind::Candidate {
                    rect.site data-id=(s.id) data-decision=(s.decision.as_str()) x=(x - r as i64) y=(y - r as i64)
                        width=(2.0 * r) height=(2.0 * r) fill=(colour) stroke="#222" stroke-width=((u).round().max(1.0)) {
                        title { (s.name) " (" (s.id) "): " (label) ", " (s.seats) " seats, " (s.pupils) " pupils" }
                    }
                } @else {
                    circle.site data-id=(s.id) data-decision=(s.decision.as_str()) cx=(x) cy=(y) r=(r)
                        fill=(colour) stroke="#222" stroke-width=((u).round().max(1.0)) {
                        title { (s.name) " (" (s.id) "): " (label) ", " (s.seats) " seats, " (s.pupils) " pupils" }
                    }
                }
            }
            (scale_and_north(frame, u))
        }
    }
}

fn table(level: &LevelPlan) -> Markup {
    html! {
        table.sortable {
            thead { tr { th { "site" } th { "name" } th { "kind" } th { "decision" } th { "seats" } th { "pupils" } th { "mean distance" } } }
            tbody {
                @for s in &level.sites {
                    tr data-decision=(s.decision.as_str()) {
                        td { (s.id) } td { (s.name) } td { (s.kind.as_str()) } td { (s.decision.as_str()) }
                        td.num { (s.seats) } td.num { (s.pupils) }
                        td.num { (s.mean_distance_m.map(metres).unwrap_or_default()) }
                    }
                }
            }
        }
    }
}
