//! `report.html`: the run as one page that officers and planners read
//! (spec §6).
//!
//! It shows the round's policy, seed and commitment, counts per level and
//! stage; a map of the zones (multi-school zones hatched), the schools
//! (area ∝ seats, colour = applicants per seat, private schools square,
//! labelled where there is room) and the applicants' homes (coloured by
//! stage, sampled above [`HOME_SAMPLE_CAP`] per level), with a scale bar
//! and a north arrow; a sortable table per school; a distance histogram
//! per level; the unplaced applicants with their reasons; and the balance
//! between schools. Hovering or tapping a school draws lines from its
//! pupils' homes to it.
//!
//! Like every output, the bytes depend only on the inputs, the seed and the
//! version: no timestamps, rows in id order, numbers formatted explicitly.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use maud::{html, Markup};

use super::map::{self, Bounds, Placer, Projection, Sample, HOME_SAMPLE_CAP};
use super::table::{num, sortable_head};
use super::{metres, script_json, stage_index, stage_name, thousands, STAGES};
use crate::balance::Balance;
use crate::output::summary::distance_stats;
use crate::round::{Outcome, Stage};
use crate::scenario::{FallbackRule, GroupPolicy, Level, Rule, Scenario, TieBreaking};
use crate::stages::Reason;

/// Unplaced applicants listed at most (the counts by reason cover all).
const UNPLACED_ROWS: usize = 500;

/// Renders `report.html` for a round and its balance indicators
/// ([`crate::balance::compute`], computed once by the caller).
///
/// Same scenario and outcome, same bytes. At most 3,000 homes per level
/// are drawn (every k-th applicant by id above that, and the legend says
/// so), so the page stays a few megabytes even for a city of 300,000
/// applicants.
pub fn page(scenario: &Scenario, outcome: &Outcome, balance: &Balance) -> Vec<u8> {
    render(scenario, outcome, balance, HOME_SAMPLE_CAP)
}

/// The page, with at most `sample_cap` homes drawn per level.
fn render(scenario: &Scenario, outcome: &Outcome, balance: &Balance, sample_cap: usize) -> Vec<u8> {
    let facts = Facts::gather(scenario, outcome, sample_cap);
    let body = html! {
        (round_section(scenario, outcome, &facts))
        (map_section(scenario, outcome, &facts))
        (schools_section(scenario, outcome))
        (distance_section(&facts))
        (unplaced_section(scenario, outcome))
        (super::balance::section(balance))
    };
    super::page(
        &format!("Admission round report — {}", scenario.policy.seed),
        body,
        "Applicant ids are pseudonymous; this page holds no other personal data. \
         The same inputs and seed give this page byte for byte.",
    )
}

/// Counts and samples per level, computed once.
struct Facts {
    /// Levels that have a school, a zone or an applicant (primary when none).
    levels: Vec<Level>,
    per_level: [LevelFacts; 2],
}

#[derive(Default)]
struct LevelFacts {
    applicants: u64,
    stages: [u64; STAGES.len()],
    schools: u64,
    seats: u64,
    oversubscribed: u64,
    /// Placed applicants' distances with their stage's position.
    distances: Vec<(f64, usize)>,
    /// The homes drawn.
    sample: Sample,
}

impl Facts {
    fn gather(scenario: &Scenario, outcome: &Outcome, sample_cap: usize) -> Facts {
        let mut per_level: [LevelFacts; 2] = Default::default();
        for (a, p) in scenario.applicants.iter().zip(&outcome.placements) {
            let f = &mut per_level[a.level.index()];
            f.applicants += 1;
            f.stages[stage_index(p.stage)] += 1;
            if let Some(d) = p.distance_m {
                f.distances.push((d, stage_index(p.stage)));
            }
        }
        for (s, r) in scenario.schools.iter().zip(&outcome.schools) {
            let f = &mut per_level[s.level.index()];
            f.schools += 1;
            f.seats += u64::from(s.capacity);
            f.oversubscribed += u64::from(r.oversubscribed);
        }
        for level in Level::ALL {
            per_level[level.index()].sample = Sample::of(scenario, level, sample_cap);
        }
        let levels: Vec<Level> = Level::ALL
            .into_iter()
            .filter(|&l| {
                per_level[l.index()].applicants > 0
                    || per_level[l.index()].schools > 0
                    || scenario.zones.iter().any(|z| z.level == l)
            })
            .collect();
        Facts {
            levels: if levels.is_empty() {
                vec![Level::Primary]
            } else {
                levels
            },
            per_level,
        }
    }

    fn level(&self, level: Level) -> &LevelFacts {
        &self.per_level[level.index()]
    }
}

/// The stages worth a column: the private lottery, the rule's stage, the
/// fallback and unplaced, plus any other stage that placed someone.
fn shown_stages(scenario: &Scenario, facts: &Facts) -> Vec<usize> {
    let rule_stage = match scenario.policy.rule {
        Rule::Zone => Stage::Zone,
        Rule::Nearest => Stage::Nearest,
        Rule::Optimal => Stage::Optimal,
    };
    (0..STAGES.len())
        .filter(|&i| {
            !matches!(STAGES[i], Stage::Zone | Stage::Nearest | Stage::Optimal)
                || STAGES[i] == rule_stage
                || facts.per_level.iter().any(|f| f.stages[i] > 0)
        })
        .collect()
}

fn reason_text(reason: Reason) -> &'static str {
    match reason {
        Reason::NoCapacity => "no public school of the level had a free seat",
        Reason::NoSeatWithinLimit => "free seats, but none within the fallback's distance limit",
        Reason::FallbackNone => "the policy places nobody in the fallback (rule none)",
    }
}

// ---------------------------------------------------------- the round

fn round_section(scenario: &Scenario, outcome: &Outcome, facts: &Facts) -> Markup {
    let policy = &scenario.policy;
    let commitment = crate::lottery::seed_commitment(&policy.seed);
    let (applicants, unplaced, schools) = facts.per_level.iter().fold((0, 0, 0), |(a, u, s), f| {
        (
            a + f.applicants,
            u + f.stages[stage_index(Stage::Unplaced)],
            s + f.schools,
        )
    });
    let levels: Vec<&str> = facts.levels.iter().map(|l| l.as_str()).collect();
    let limit = policy
        .max_distance_m
        .map_or(String::new(), |m| format!(" within {}", metres(m)));
    let class_sizes: Vec<String> = facts
        .levels
        .iter()
        .map(|&l| format!("{} {}", l.as_str(), policy.max_class_size(l)))
        .collect();
    let warnings = scenario.warnings.warning_count() + outcome.warnings.warning_count();
    html! {
        header {
            h1 { "Admission round report" }
            p.lead {
                (thousands(applicants)) " applicants · " (thousands(applicants - unplaced)) " placed · "
                (thousands(unplaced)) " unplaced · " (thousands(schools)) " schools · " (levels.join(" and "))
            }
            nav.toc aria-label="Sections" {
                a href="#round" { "Round" } a href="#mapsec" { "Map" } a href="#schools" { "Schools" }
                a href="#distances" { "Distances" } a href="#unplaced" { "Unplaced" } a href="#balance" { "Balance" }
            }
        }
        section #round aria-labelledby="round-h" {
            h2 #round-h { "The round" }
            div.cols {
                (results_table(scenario, facts))
                dl.facts {
                    dt { "Seed" } dd { code { (policy.seed) } }
                    dt { "Seed commitment (SHA-256)" }
                    dd {
                        code.hash { (commitment) }
                        @match &policy.seed_commitment {
                            Some(p) if *p == commitment => { " " span.ok { "✓ matches the published commitment" } }
                            Some(_) => { " " span.bad { "differs from the published commitment" } }
                            None => {}
                        }
                    }
                    dt { "Public allocation" }
                    dd { (match policy.rule {
                        Rule::Zone => "by catchment zone (单校划片 / 多校划片), deferred acceptance",
                        Rule::Nearest => "nearest school, deferred acceptance over all public schools",
                        Rule::Optimal => "shortest total distance over all public seats (exact assignment)",
                    }) }
                    dt { "Tie-breaking" }
                    dd { (match policy.tie_breaking {
                        TieBreaking::Single => "single: one ticket per applicant",
                        TieBreaking::Multiple => "multiple: one ticket per applicant and school",
                    }) }
                    dt { "Groups (twins, siblings)" }
                    dd { (match policy.groups {
                        GroupPolicy::Together => "drawn and placed together",
                        GroupPolicy::Separate => "drawn separately",
                    }) }
                    dt { "Fallback (统筹安排)" }
                    dd { (match policy.fallback {
                        FallbackRule::NearestVacancy => format!("nearest public school with a free seat{limit}"),
                        FallbackRule::Optimal => format!("shortest total distance to the remaining seats{limit}"),
                        FallbackRule::None => "none: whoever stage 2 cannot seat is unplaced".to_string(),
                    }) }
                    dt { "Class size limit" } dd { (class_sizes.join(", ")) }
                    dt { "Input warnings" }
                    dd {
                        @if warnings == 0 { "none" } @else {
                            (thousands(warnings as u64)) " (" code { "catchment check" } " lists them)"
                        }
                    }
                }
            }
        }
    }
}

fn results_table(scenario: &Scenario, facts: &Facts) -> Markup {
    let total = facts.levels.len() > 1;
    let row = |label: Markup, class: &str, value: &dyn Fn(&LevelFacts) -> u64| {
        let values: Vec<u64> = facts.levels.iter().map(|&l| value(facts.level(l))).collect();
        html! {
            tr class=(class) {
                th scope="row" { (label) }
                @for v in &values { (num(thousands(*v))) }
                @if total { (num(thousands(values.iter().sum()))) }
            }
        }
    };
    html! {
        table.results {
            caption { "Applicants and seats per level" }
            thead { tr {
                th scope="col" {}
                @for l in &facts.levels { th scope="col" class="num" { (l.as_str()) } }
                @if total { th scope="col" class="num" { "total" } }
            } }
            tbody {
                (row(html! { "Applicants" }, "strong", &|f| f.applicants))
                (row(html! { "Placed" }, "", &|f| f.applicants - f.stages[stage_index(Stage::Unplaced)]))
                @for i in shown_stages(scenario, facts) {
                    (row(
                        html! { span class={"sw st" (i)} {} (stage_name(STAGES[i])) },
                        if STAGES[i] == Stage::Unplaced { "strong" } else { "sub" },
                        &|f| f.stages[i],
                    ))
                }
                (row(html! { "Schools" }, "", &|f| f.schools))
                (row(html! { "Seats" }, "", &|f| f.seats))
                (row(html! { "Oversubscribed schools" }, "", &|f| f.oversubscribed))
            }
        }
    }
}

// ---------------------------------------------------------------- map

const DEFAULT_INFO: &str = "Hover over or tap a school to see where its pupils live.";

fn map_section(scenario: &Scenario, outcome: &Outcome, facts: &Facts) -> Markup {
    let first = facts.levels[0].as_str();
    let bounds: Vec<Option<Bounds>> = facts
        .levels
        .iter()
        .map(|&l| map::level_bounds(scenario, l, &facts.level(l).sample))
        .collect();
    let all = bounds.iter().filter_map(|b| *b).reduce(Bounds::union);
    html! {
        section #mapsec data-level=(first) aria-labelledby="map-h" {
            h2 #map-h { "Map" }
            div.toolbar {
                div.seg role="group" aria-label="Level" {
                    @for l in &facts.levels {
                        button type="button" data-level=(l.as_str()) aria-pressed=(l.as_str() == first) { (l.as_str()) }
                    }
                }
                div.seg role="group" aria-label="Zoom" {
                    button type="button" data-zoom="in" aria-label="Zoom in" { "+" }
                    button type="button" data-zoom="out" aria-label="Zoom out" { "−" }
                    button type="button" data-zoom="fit" { "Fit" }
                }
            }
            p #mapinfo.info aria-live="polite" { (DEFAULT_INFO) }
            div.mapwrap {
                div.mapbox {
                    @if let Some(all) = all {
                        (map_svg(scenario, outcome, facts, &Projection::fit(all), &bounds))
                    } @else {
                        p.empty { "Nothing to draw: no zones, schools or homes." }
                    }
                }
                (legend(scenario, facts))
            }
            @if let Some(all) = all {
                (map_data(scenario, outcome, facts, &Projection::fit(all)))
            } @else {
                script type="application/json" #report-data { "{\"levels\":[],\"schools\":[]}" }
            }
        }
    }
}

fn map_svg(
    scenario: &Scenario,
    outcome: &Outcome,
    facts: &Facts,
    proj: &Projection,
    bounds: &[Option<Bounds>],
) -> Markup {
    let u = proj.unit();
    let frames: Vec<map::Frame> = bounds
        .iter()
        .map(|b| b.map_or(proj.whole(), |b| proj.frame(b)))
        .collect();
    html! {
        svg #map viewBox=(map::frame_attr(frames[0])) role="img" aria-labelledby="map-title" style={"--u:" (format!("{u:.3}"))} {
            title #map-title { "Map of zones, schools and applicants' homes" }
            (map::hatch(u))
            @for (&level, &frame) in facts.levels.iter().zip(&frames) {
                @let mut placer = Placer::new(frame);
                @let schools = map::Schools::of(scenario, level, proj, frame, &mut placer);
                @let zone_labels = map::zone_labels(scenario, level, proj, &mut placer);
                @let school_labels = schools.labels(scenario, &mut placer);
                g class={"lvl lvl-" (level.as_str())} data-level=(level.as_str()) data-fit=(map::frame_attr(frame)) {
                    (map::zones_layer(scenario, level, proj))
                    g.homes-layer { (map::homes_paths(scenario, outcome, &facts.level(level).sample.drawn, proj)) }
                    g.sel-layer id={"sel-" (level.as_str())} {}
                    (schools.layer(scenario, outcome))
                    (school_labels)
                    (zone_labels)
                    (map::scale_and_north(frame, u))
                }
            }
        }
    }
}

fn legend(scenario: &Scenario, facts: &Facts) -> Markup {
    html! {
        aside.legend aria-label="Map legend" {
            @if !scenario.zones.is_empty() {
                h3 { "Zones" }
                ul {
                    li { svg.key viewBox="0 0 24 16" aria-hidden="true" { rect.zone x="1" y="1" width="22" height="14" {} } "single-school zone (单校划片)" }
                    li {
                        svg.key viewBox="0 0 24 16" aria-hidden="true" {
                            defs { pattern #hatch-key patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)" {
                                rect width="6" height="6" fill="#dcefe6" {} rect width="2" height="6" fill="#8cc5ae" {}
                            } }
                            rect.zone.multi x="1" y="1" width="22" height="14" style="fill:url(#hatch-key)" {}
                        }
                        "multi-school zone (多校划片)"
                    }
                }
            }
            h3 { "Schools" }
            ul {
                li { svg.key viewBox="0 0 24 16" aria-hidden="true" { circle.school cx="12" cy="8" r="6" fill="#ffffbf" {} } "public" }
                li { svg.key viewBox="0 0 24 16" aria-hidden="true" { rect.school x="6.5" y="2.5" width="11" height="11" fill="#ffffbf" {} } "private" }
                li { "Symbol area ∝ seats; seats filled in the tooltip" }
            }
            (map::demand_key())
            h3 { "Homes, by how the child was placed" }
            ul {
                @for i in shown_stages(scenario, facts) {
                    li {
                        svg.key viewBox="0 0 24 16" aria-hidden="true" { circle class={"dot st" (i)} cx="12" cy="8" r="3.5" {} }
                        (stage_name(STAGES[i]))
                        @for l in &facts.levels {
                            " " span class={"only-" (l.as_str())} { "(" (thousands(facts.level(*l).stages[i])) ")" }
                        }
                    }
                }
            }
            @for l in &facts.levels {
                @let f = facts.level(*l);
                p class={"note only-" (l.as_str())} {
                    @if f.sample.step > 1 {
                        strong { "Sampled:" } " 1 in " (f.sample.step) " applicants (by id) drawn — "
                        (thousands(f.sample.drawn.len() as u64)) " of " (thousands(f.applicants)) " homes."
                    } @else {
                        "Every applicant's home is drawn (" (thousands(f.applicants)) ")."
                    }
                }
            }
        }
    }
}

/// The page's data: per school its position, level, tooltip text and its
/// drawn pupils' homes as flat `[x, y, stage, …]` triples.
fn map_data(scenario: &Scenario, outcome: &Outcome, facts: &Facts, proj: &Projection) -> Markup {
    let mut pupils: Vec<Vec<(i64, i64, usize)>> = vec![Vec::new(); scenario.schools.len()];
    for &level in &facts.levels {
        for &a in &facts.level(level).sample.drawn {
            let app = &scenario.applicants[a];
            let p = &outcome.placements[a];
            if let Some(s) = p.school {
                let (x, y) = proj.at(app.lon, app.lat);
                pupils[s.index()].push((x, y, stage_index(p.stage)));
            }
        }
    }
    let levels: Vec<serde_json::Value> = facts.levels.iter().map(|l| l.as_str().into()).collect();
    let mut json = format!("{{\"levels\":{},\"schools\":[", serde_json::Value::from(levels));
    for (s, school) in scenario.schools.iter().enumerate() {
        let (x, y) = proj.at(school.lon, school.lat);
        let level = facts.levels.iter().position(|&l| l == school.level).unwrap_or(0);
        let title = map::school_title(scenario, outcome, s);
        let text = if facts.level(school.level).sample.step > 1 {
            format!(
                "{title} — homes of {} of its {} pupils shown (sample)",
                thousands(pupils[s].len() as u64),
                thousands(u64::from(outcome.schools[s].admitted))
            )
        } else {
            title
        };
        let _ = write!(
            json,
            "{}\n{{\"id\":{},\"l\":{level},\"x\":{x},\"y\":{y},\"t\":{},\"p\":[",
            if s > 0 { "," } else { "" },
            serde_json::Value::from(school.id.as_str()),
            serde_json::Value::from(text)
        );
        for (i, (px, py, st)) in pupils[s].iter().enumerate() {
            let _ = write!(json, "{}{px},{py},{st}", if i > 0 { "," } else { "" });
        }
        json.push_str("]}");
    }
    json.push_str("]}");
    html! { script type="application/json" #report-data { (script_json(&json)) } }
}

// ------------------------------------------------------------ schools

fn schools_section(scenario: &Scenario, outcome: &Outcome) -> Markup {
    let columns: [(&str, bool); 14] = [
        ("Id", false),
        ("Name", false),
        ("Level", false),
        ("Sector", false),
        ("Seats", true),
        ("Applicants", true),
        ("Per seat", true),
        ("Admitted (fallback)", true),
        ("Classes", true),
        ("Largest class", true),
        ("Vacancies", true),
        ("Seats filled", true),
        ("Over\u{ad}subscribed", false),
        ("Cut-off", false),
    ];
    html! {
        section #schools aria-labelledby="schools-h" {
            h2 #schools-h { "Schools" }
            p.hint {
                "Click a column heading to sort; click a school id to show it on the map. \
                 Per seat: applicants in the school's lottery stage ÷ seats (the map's colour). \
                 Cut-off: the last (priority · ticket) admitted at an oversubscribed school."
                span.phone-only { " Swipe the table sideways for more columns." }
            }
            div.tablewrap { table.sortable.schools {
                caption { "Schools, capacity and admissions" }
                (sortable_head(&columns))
                tbody {
                    @for (s, (school, r)) in scenario.schools.iter().zip(&outcome.schools).enumerate() {
                        @let util = map::utilisation(r.admitted, school.capacity);
                        @let demand = map::demand(r.applicants, school.capacity);
                        @let standard = match school.level { Level::Primary => 45, Level::Junior => 50 };
                        tr {
                            td { button.pick.mono type="button" data-s=(s) title="Show on the map" { (school.id) } }
                            td { (school.name) }
                            td { (school.level.as_str()) }
                            td { (school.sector.as_str()) }
                            (num(thousands(u64::from(school.capacity))))
                            (num(thousands(u64::from(r.applicants))))
                            td.num data-v=(demand.map_or("-1".to_string(), |d| format!("{d:.4}"))) {
                                span.chip style={"background:" (map::demand_colour(demand))} {}
                                (demand.map_or("—".to_string(), |d| format!("{d:.2}")))
                            }
                            td.num data-v=(r.admitted) {
                                (thousands(u64::from(r.admitted)))
                                @if r.admitted_fallback > 0 { " " span.muted { "(" (thousands(u64::from(r.admitted_fallback))) ")" } }
                            }
                            (num(r.classes_opened))
                            @if r.largest_class > standard {
                                td.num.warn title={"above the national standard of " (standard)} { (r.largest_class) }
                            } @else {
                                (num(r.largest_class))
                            }
                            (num(thousands(u64::from(school.capacity.saturating_sub(r.admitted)))))
                            td.num data-v=(util.map_or("-1".to_string(), |u| format!("{u:.4}"))) {
                                (util.map_or("—".to_string(), |u| format!("{:.0}%", u * 100.0)))
                            }
                            td { @if r.oversubscribed { strong { "yes" } } @else { "no" } }
                            @if let Some(crate::lottery::Key { priority: p, ticket: t }) = r.cutoff {
                                @let hex = t.to_hex();
                                td.nowrap data-v=(format!("{p:010}{hex}")) { span.mono { (p) " · " (&hex[..8]) } }
                            } @else {
                                td data-v="" {}
                            }
                        }
                    }
                }
            } }
        }
    }
}

// ---------------------------------------------------------- distances

fn distance_section(facts: &Facts) -> Markup {
    let placed_stages: Vec<usize> = (0..STAGES.len())
        .filter(|&i| STAGES[i] != Stage::Unplaced && facts.per_level.iter().any(|f| f.stages[i] > 0))
        .collect();
    html! {
        section #distances aria-labelledby="dist-h" {
            h2 #dist-h { "Distance from home to school" }
            p.hint {
                "Placed applicants, 500 m bins, coloured by stage. Distances are \
                 great-circle metres (or the road matrix when the policy uses one)."
            }
            p.keys { @for i in placed_stages { span { span class={"sq st" (i)} {} (stage_name(STAGES[i])) } " " } }
            div.cols {
                @for &level in &facts.levels {
                    (level_histogram(level, facts.level(level)))
                }
            }
        }
    }
}

fn level_histogram(level: Level, f: &LevelFacts) -> Markup {
    let mut ds: Vec<f64> = f.distances.iter().map(|&(d, _)| d).collect();
    let stats = distance_stats(&mut ds);
    let stat = |k: &str| stats.get(k).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
    html! {
        figure.hist {
            figcaption {
                h3 { (level.as_str()) }
                @if f.distances.is_empty() {
                    p.muted { "Nobody was placed at this level." }
                } @else {
                    p.stats {
                        "mean " b { (metres(stat("mean"))) } " · median " b { (metres(stat("median"))) }
                        " · p90 " b { (metres(stat("p90"))) } " · max " b { (metres(stat("max"))) }
                        " · " (thousands(f.distances.len() as u64)) " placed"
                    }
                }
            }
            @if !f.distances.is_empty() {
                (super::chart::histogram(level.as_str(), &f.distances, stat("max")))
            }
        }
    }
}

// ----------------------------------------------------------- unplaced

fn unplaced_section(scenario: &Scenario, outcome: &Outcome) -> Markup {
    let unplaced: Vec<usize> = (0..scenario.applicants.len())
        .filter(|&a| outcome.placements[a].stage == Stage::Unplaced)
        .collect();
    let mut reasons: BTreeMap<&str, (Reason, u64)> = BTreeMap::new();
    for &a in &unplaced {
        if let Some(r) = outcome.placements[a].reason {
            reasons.entry(r.as_str()).or_insert((r, 0)).1 += 1;
        }
    }
    let columns = [
        ("Applicant", false),
        ("Level", false),
        ("Zone", false),
        ("Priority", true),
        ("Reason", false),
    ];
    html! {
        section #unplaced aria-labelledby="unplaced-h" {
            h2 #unplaced-h { "Unplaced applicants" }
            @if unplaced.is_empty() {
                p { "Every applicant has a seat." }
            } @else {
                table.reasons {
                    caption { "Unplaced applicants by reason" }
                    (super::table::head(&[("Reason", false), ("Meaning", false), ("Applicants", true)]))
                    tbody { @for (name, (reason, n)) in &reasons {
                        tr { td.mono { (name) } td { (reason_text(*reason)) } (num(thousands(*n))) }
                    } }
                }
                @if unplaced.len() > UNPLACED_ROWS {
                    p.note {
                        (thousands(unplaced.len() as u64)) " applicants are unplaced; the first " (UNPLACED_ROWS)
                        " by id are listed. " code { "assignments.csv" } " lists them all."
                    }
                }
                div.tablewrap { table.sortable {
                    caption { "Unplaced applicants (ids are pseudonymous)" }
                    (sortable_head(&columns))
                    tbody { @for &a in unplaced.iter().take(UNPLACED_ROWS) {
                        @let app = &scenario.applicants[a];
                        tr {
                            td.mono { (app.id) }
                            td { (app.level.as_str()) }
                            td { (outcome.zone_of[a].map_or("—", |z| scenario.zone(z).id.as_str())) }
                            (num(app.priority))
                            td.mono { (outcome.placements[a].reason.map_or("", Reason::as_str)) }
                        }
                    } }
                } }
            }
        }
    }
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
