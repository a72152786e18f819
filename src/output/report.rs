//! `report.html`: the run as one page that officers and planners read
//! (spec §6).
//!
//! The page is a single self-contained file: no network, no external
//! scripts, styles or fonts; inline CSS and a little vanilla JavaScript.
//! It shows the round's policy, seed and commitment, counts per level and
//! stage; an SVG map of the zones (multi-school zones hatched), the schools
//! (area ∝ seats, colour = utilisation, private schools square) and the
//! applicants' homes (coloured by stage, sampled above
//! [`HOME_SAMPLE_CAP`] per level); a sortable table per school; a distance
//! histogram per level; and the unplaced applicants with their reasons.
//! Hovering or tapping a school draws lines from its pupils' homes to it.
//!
//! Like every output, the bytes depend only on the inputs, the seed and the
//! version: no timestamps, rows in id order, numbers formatted explicitly.
//! Map coordinates are metres east and south of the map's corner
//! (equirectangular, scaled by the cosine of the mid latitude), rounded to
//! 1 m, and zone rings drop points closer than a nominal pixel, so the
//! page stays small.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use geo::{Area, BoundingRect, InteriorPoint, Intersects};

use super::summary::distance_stats;
use crate::round::{Outcome, Stage};
use crate::scenario::{FallbackRule, GroupPolicy, Level, Rule, Scenario, Sector, TieBreaking};
use crate::stages::Reason;

/// Homes drawn per level at most; above it every k-th applicant (in id
/// order) is drawn and the legend says so.
const HOME_SAMPLE_CAP: usize = 3_000;
/// Unplaced applicants listed at most (the counts by reason cover all).
const UNPLACED_ROWS: usize = 500;
/// Width of a histogram bin, metres.
const BIN_M: f64 = 500.0;
/// Distances beyond this go to one overflow bin, metres.
const HIST_CAP_M: f64 = 10_000.0;
/// Nominal width of the map on a laptop, in CSS pixels: symbol sizes and
/// the simplification tolerance are set for it.
const MAP_PX: f64 = 800.0;
/// Zone labels are drawn when a level has at most this many zones (each
/// zone always has a tooltip).
const ZONE_LABEL_LIMIT: usize = 300;
/// Metres per degree of latitude on the sphere of spec §2.
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// The stages in output order; a stage's position is its colour class
/// (`st0`…`st5`) and its code in the page's data.
const STAGES: [Stage; 6] = Stage::ALL;

/// Renders `report.html` for a round.
///
/// Same scenario and outcome, same bytes. At most 3,000 homes per level
/// are drawn (every k-th applicant by id above that, and the legend says
/// so), so the page stays a few megabytes even for a city of 300,000
/// applicants.
///
/// # Examples
/// ```no_run
/// use catchment::{output::report_html, round, scenario};
///
/// let dir = std::path::Path::new("fixtures/demo-district");
/// let scenario = scenario::load(dir, &scenario::LoadOptions::default())?;
/// let outcome = round::run(&scenario);
/// let html = report_html(&scenario, &outcome);
/// assert!(html.starts_with(b"<!DOCTYPE html>"));
/// # Ok::<(), catchment::error::Error>(())
/// ```
pub fn report_html(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    render(scenario, outcome, HOME_SAMPLE_CAP).into_bytes()
}

/// The page, with at most `sample_cap` homes drawn per level.
fn render(scenario: &Scenario, outcome: &Outcome, sample_cap: usize) -> String {
    let facts = Facts::gather(scenario, outcome, sample_cap);
    let mut out = String::with_capacity(64 * 1024);
    head(&mut out, scenario);
    out.push_str("<body>\n<main>\n");
    round_section(&mut out, scenario, outcome, &facts);
    map_section(&mut out, scenario, outcome, &facts);
    schools_section(&mut out, scenario, outcome);
    distance_section(&mut out, &facts);
    unplaced_section(&mut out, scenario, outcome);
    crate::balance::report_section(&mut out, scenario, outcome);
    out.push_str("<footer><p>Written by catchment ");
    out.push_str(env!("CARGO_PKG_VERSION"));
    out.push_str(
        ". Applicant ids are pseudonymous; this page holds no other personal data. \
         The same inputs and seed give this page byte for byte.</p></footer>\n</main>\n",
    );
    let _ = writeln!(out, "<script>\n{SCRIPT}</script>\n</body>\n</html>");
    out
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
    /// Every `step`-th applicant of the level (in id order) is drawn.
    step: usize,
    /// Applicants (indices into the scenario) whose homes are drawn.
    sampled: Vec<usize>,
}

impl Facts {
    fn gather(scenario: &Scenario, outcome: &Outcome, sample_cap: usize) -> Facts {
        let mut per_level: [LevelFacts; 2] = Default::default();
        let mut members: [Vec<usize>; 2] = Default::default();
        for (i, (a, p)) in scenario.applicants.iter().zip(&outcome.placements).enumerate() {
            let f = &mut per_level[a.level.index()];
            f.applicants += 1;
            f.stages[stage_index(p.stage)] += 1;
            if let Some(d) = p.distance_m {
                f.distances.push((d, stage_index(p.stage)));
            }
            members[a.level.index()].push(i);
        }
        for (s, r) in scenario.schools.iter().zip(&outcome.schools) {
            let f = &mut per_level[s.level.index()];
            f.schools += 1;
            f.seats += u64::from(s.capacity);
            f.oversubscribed += u64::from(r.oversubscribed);
        }
        for (f, members) in per_level.iter_mut().zip(members) {
            f.step = members.len().div_ceil(sample_cap.max(1)).max(1);
            f.sampled = members.into_iter().step_by(f.step).collect();
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

/// A stage's position in [`STAGES`] (a new stage must be added to both).
fn stage_index(stage: Stage) -> usize {
    match stage {
        Stage::PrivateLottery => 0,
        Stage::Zone => 1,
        Stage::Nearest => 2,
        Stage::Optimal => 3,
        Stage::Fallback => 4,
        Stage::Unplaced => 5,
    }
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::PrivateLottery => "private lottery (公民同招)",
        Stage::Zone => "zone",
        Stage::Nearest => "nearest school",
        Stage::Optimal => "shortest total distance",
        Stage::Fallback => "district placement (统筹)",
        Stage::Unplaced => "unplaced",
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

// ---------------------------------------------------------------- head

fn head(out: &mut String, scenario: &Scenario) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Admission round report — {}</title>\n<style>\n{STYLE}</style>\n</head>\n",
        esc(&scenario.policy.seed)
    );
}

// ---------------------------------------------------------- the round

fn round_section(out: &mut String, scenario: &Scenario, outcome: &Outcome, facts: &Facts) {
    let policy = &scenario.policy;
    let commitment = crate::lottery::seed_commitment(&policy.seed);
    out.push_str("<header>\n<h1>Admission round report</h1>\n");
    let (applicants, unplaced, schools) = facts.per_level.iter().fold((0, 0, 0), |(a, u, s), f| {
        (
            a + f.applicants,
            u + f.stages[stage_index(Stage::Unplaced)],
            s + f.schools,
        )
    });
    let _ = writeln!(
        out,
        "<p class=\"lead\">{} applicants · {} placed · {} unplaced · {} schools · {}</p>\n{TOC}</header>",
        thousands(applicants),
        thousands(applicants - unplaced),
        thousands(unplaced),
        thousands(schools),
        facts
            .levels
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    );
    out.push_str("<section id=\"round\" aria-labelledby=\"round-h\">\n<h2 id=\"round-h\">The round</h2>\n");
    out.push_str("<div class=\"cols\">\n");
    results_table(out, scenario, facts);
    out.push_str("<dl class=\"facts\">\n");
    let mut fact = |term: &str, value: String| {
        let _ = writeln!(out, "<dt>{term}</dt><dd>{value}</dd>");
    };
    fact("Seed", format!("<code>{}</code>", esc(&policy.seed)));
    let published = match &policy.seed_commitment {
        Some(p) if *p == commitment => " <span class=\"ok\">✓ matches the published commitment</span>",
        Some(_) => " <span class=\"bad\">differs from the published commitment</span>",
        None => "",
    };
    fact(
        "Seed commitment (SHA-256)",
        format!("<code class=\"hash\">{commitment}</code>{published}"),
    );
    fact(
        "Public allocation",
        match policy.rule {
            Rule::Zone => "by catchment zone (单校划片 / 多校划片), deferred acceptance".to_string(),
            Rule::Nearest => "nearest school, deferred acceptance over all public schools".to_string(),
            Rule::Optimal => "shortest total distance over all public seats (exact assignment)".to_string(),
        },
    );
    fact(
        "Tie-breaking",
        match policy.tie_breaking {
            TieBreaking::Single => "single: one ticket per applicant".to_string(),
            TieBreaking::Multiple => "multiple: one ticket per applicant and school".to_string(),
        },
    );
    fact(
        "Groups (twins, siblings)",
        match policy.groups {
            GroupPolicy::Together => "drawn and placed together".to_string(),
            GroupPolicy::Separate => "drawn separately".to_string(),
        },
    );
    let limit = policy
        .max_distance_m
        .map_or(String::new(), |m| format!(" within {}", metres(m)));
    fact(
        "Fallback (统筹安排)",
        match policy.fallback {
            FallbackRule::NearestVacancy => format!("nearest public school with a free seat{limit}"),
            FallbackRule::Optimal => format!("shortest total distance to the remaining seats{limit}"),
            FallbackRule::None => "none: whoever stage 2 cannot seat is unplaced".to_string(),
        },
    );
    let class_sizes: Vec<String> = facts
        .levels
        .iter()
        .map(|&l| format!("{} {}", l.as_str(), policy.max_class_size(l)))
        .collect();
    fact("Class size limit", class_sizes.join(", "));
    let warnings = scenario.warnings.warning_count() + outcome.warnings.warning_count();
    fact(
        "Input warnings",
        if warnings == 0 {
            "none".to_string()
        } else {
            format!(
                "{} (<code>catchment check</code> lists them)",
                thousands(warnings as u64)
            )
        },
    );
    out.push_str("</dl>\n");
    out.push_str("</div>\n</section>\n");
}

fn results_table(out: &mut String, scenario: &Scenario, facts: &Facts) {
    out.push_str("<table class=\"results\">\n<caption>Applicants and seats per level</caption>\n<thead><tr><th scope=\"col\"></th>");
    for &l in &facts.levels {
        let _ = write!(out, "<th scope=\"col\" class=\"num\">{}</th>", l.as_str());
    }
    if facts.levels.len() > 1 {
        out.push_str("<th scope=\"col\" class=\"num\">total</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let mut row = |label: &str, class: &str, value: &dyn Fn(&LevelFacts) -> u64| {
        let _ = write!(out, "<tr class=\"{class}\"><th scope=\"row\">{label}</th>");
        let mut total = 0;
        for &l in &facts.levels {
            let v = value(facts.level(l));
            total += v;
            let _ = write!(out, "<td class=\"num\">{}</td>", thousands(v));
        }
        if facts.levels.len() > 1 {
            let _ = write!(out, "<td class=\"num\">{}</td>", thousands(total));
        }
        out.push_str("</tr>\n");
    };
    row("Applicants", "strong", &|f| f.applicants);
    row("Placed", "", &|f| f.applicants - f.stages[stage_index(Stage::Unplaced)]);
    for i in shown_stages(scenario, facts) {
        let label = format!("<span class=\"sw st{i}\"></span>{}", stage_name(STAGES[i]));
        let class = if STAGES[i] == Stage::Unplaced { "strong" } else { "sub" };
        row(&label, class, &|f| f.stages[i]);
    }
    row("Schools", "", &|f| f.schools);
    row("Seats", "", &|f| f.seats);
    row("Oversubscribed schools", "", &|f| f.oversubscribed);
    out.push_str("</tbody>\n</table>\n");
}

// ---------------------------------------------------------------- map

/// A lon/lat box.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bounds {
    west: f64,
    east: f64,
    south: f64,
    north: f64,
}

impl Bounds {
    /// The box around the points; `None` without points.
    fn of(points: impl IntoIterator<Item = (f64, f64)>) -> Option<Bounds> {
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

    fn union(self, o: Bounds) -> Bounds {
        Bounds {
            west: self.west.min(o.west),
            east: self.east.max(o.east),
            south: self.south.min(o.south),
            north: self.north.max(o.north),
        }
    }
}

/// What the map of a level is fitted to: its zones and schools, and the
/// homes drawn without the outer 1 % on each side (one mistyped home far
/// away must not shrink the district to a dot).
fn level_bounds(scenario: &Scenario, facts: &Facts, level: Level) -> Option<Bounds> {
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
    let sampled = &facts.level(level).sampled;
    if !sampled.is_empty() {
        let mut lons: Vec<f64> = sampled.iter().map(|&a| scenario.applicants[a].lon).collect();
        let mut lats: Vec<f64> = sampled.iter().map(|&a| scenario.applicants[a].lat).collect();
        lons.sort_by(f64::total_cmp);
        lats.sort_by(f64::total_cmp);
        let last = sampled.len() - 1;
        let (lo, hi) = (last / 100, last - last / 100);
        points.push((lons[lo], lats[lo]));
        points.push((lons[hi], lats[hi]));
    }
    Bounds::of(points)
}

/// Equirectangular projection to metres east and south of the map's
/// north-west corner, the longitude scaled by the cosine of the mid
/// latitude.
struct Projection {
    lon0: f64,
    lat0: f64,
    kx: f64,
    width: f64,
    height: f64,
}

impl Projection {
    /// Fits a box, with a margin ([`Projection::frame`]) on every side.
    fn fit(b: Bounds) -> Projection {
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
    fn at(&self, lon: f64, lat: f64) -> (i64, i64) {
        let (x, y) = self.xy(lon, lat);
        (x.round() as i64, y.round() as i64)
    }

    /// The view box `[x, y, width, height]` (whole metres) showing a box:
    /// at least 1 km across, with a margin of 3 % of its larger side.
    fn frame(&self, b: Bounds) -> [f64; 4] {
        let (x0, y0) = self.xy(b.west, b.north);
        let (x1, y1) = self.xy(b.east, b.south);
        let (mut w, mut h) = (x1 - x0, y1 - y0);
        let pad = (w.max(h) * 0.03).max(100.0);
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        w = w.max(1000.0) + 2.0 * pad;
        h = h.max(1000.0) + 2.0 * pad;
        [(cx - w / 2.0).round(), (cy - h / 2.0).round(), w.round(), h.round()]
    }

    /// Metres per nominal pixel.
    fn unit(&self) -> f64 {
        self.width.max(self.height) / MAP_PX
    }
}

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

/// Utilisation colour: a yellow–orange–red sequential scale over 0…1.
const UTIL_STOPS: [(f64, [u8; 3]); 5] = [
    (0.0, [0xff, 0xff, 0xcc]),
    (0.5, [0xfe, 0xd9, 0x76]),
    (0.75, [0xfd, 0x8d, 0x3c]),
    (0.9, [0xe3, 0x1a, 0x1c]),
    (1.0, [0x80, 0x00, 0x26]),
];

fn util_colour(u: Option<f64>) -> String {
    let Some(u) = u else {
        return "#bdbdbd".to_string();
    };
    let u = u.clamp(0.0, 1.0);
    for pair in UTIL_STOPS.windows(2) {
        let ((a, ca), (b, cb)) = (pair[0], pair[1]);
        if u <= b {
            let t = if b > a { (u - a) / (b - a) } else { 0.0 };
            let mix = |i: usize| (f64::from(ca[i]) + (f64::from(cb[i]) - f64::from(ca[i])) * t).round() as u8;
            return format!("#{:02x}{:02x}{:02x}", mix(0), mix(1), mix(2));
        }
    }
    "#800026".to_string()
}

fn utilisation(admitted: u32, capacity: u32) -> Option<f64> {
    (capacity > 0).then(|| f64::from(admitted) / f64::from(capacity))
}

fn map_section(out: &mut String, scenario: &Scenario, outcome: &Outcome, facts: &Facts) {
    let first = facts.levels[0].as_str();
    let _ = writeln!(
        out,
        "<section id=\"mapsec\" data-level=\"{first}\" aria-labelledby=\"map-h\">\n<h2 id=\"map-h\">Map</h2>"
    );
    out.push_str("<div class=\"toolbar\"><div class=\"seg\" role=\"group\" aria-label=\"Level\">");
    for &l in &facts.levels {
        let _ = write!(
            out,
            "<button type=\"button\" data-level=\"{0}\" aria-pressed=\"{1}\">{0}</button>",
            l.as_str(),
            l.as_str() == first
        );
    }
    out.push_str(
        "</div><div class=\"seg\" role=\"group\" aria-label=\"Zoom\">\
         <button type=\"button\" data-zoom=\"in\" aria-label=\"Zoom in\">+</button>\
         <button type=\"button\" data-zoom=\"out\" aria-label=\"Zoom out\">−</button>\
         <button type=\"button\" data-zoom=\"fit\">Fit</button></div></div>\n",
    );
    let _ = writeln!(
        out,
        "<p id=\"mapinfo\" class=\"info\" aria-live=\"polite\">{DEFAULT_INFO}</p>"
    );

    let bounds: Vec<(Level, Option<Bounds>)> = facts
        .levels
        .iter()
        .map(|&l| (l, level_bounds(scenario, facts, l)))
        .collect();
    out.push_str("<div class=\"mapwrap\">\n<div class=\"mapbox\">\n");
    let Some(all) = bounds.iter().filter_map(|(_, b)| *b).reduce(Bounds::union) else {
        out.push_str("<p class=\"empty\">Nothing to draw: no zones, schools or homes.</p>\n</div>\n");
        legend(out, scenario, facts);
        out.push_str(
            "</div>\n<script type=\"application/json\" id=\"report-data\">{\"levels\":[],\"schools\":[]}</script>\n</section>\n",
        );
        return;
    };
    let proj = Projection::fit(all);
    let u = proj.unit();
    let frames: Vec<[f64; 4]> = bounds
        .iter()
        .map(|(_, b)| b.map_or([0.0, 0.0, proj.width, proj.height], |b| proj.frame(b)))
        .collect();
    let _ = writeln!(
        out,
        "<svg id=\"map\" viewBox=\"{}\" role=\"img\" aria-labelledby=\"map-title\" style=\"--u:{u:.3}\">\n\
         <title id=\"map-title\">Map of zones, schools and applicants' homes</title>\n\
         <defs><pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"{p}\" height=\"{p}\" patternTransform=\"rotate(45)\">\
         <rect width=\"{p}\" height=\"{p}\" fill=\"#dcefe6\"/><rect width=\"{q}\" height=\"{p}\" fill=\"#8cc5ae\"/></pattern></defs>",
        frame_attr(frames[0]),
        p = (7.0 * u).round().max(1.0),
        q = (2.5 * u).round().max(1.0),
    );

    // Pupils per school, from the sampled homes.
    let mut pupils: Vec<Vec<(i64, i64, usize)>> = vec![Vec::new(); scenario.schools.len()];
    for (&level, frame) in facts.levels.iter().zip(&frames) {
        let f = facts.level(level);
        let _ = writeln!(
            out,
            "<g class=\"lvl lvl-{0}\" data-level=\"{0}\" data-fit=\"{1}\">",
            level.as_str(),
            frame_attr(*frame)
        );
        zones_layer(out, scenario, level, &proj);
        let mut paths: [String; STAGES.len()] = Default::default();
        for &a in &f.sampled {
            let app = &scenario.applicants[a];
            let p = &outcome.placements[a];
            let (x, y) = proj.at(app.lon, app.lat);
            let st = stage_index(p.stage);
            let _ = write!(paths[st], "M{x} {y}h0");
            if let Some(s) = p.school {
                pupils[s as usize].push((x, y, st));
            }
        }
        out.push_str("<g class=\"homes-layer\">");
        for (st, d) in paths.iter().enumerate() {
            if !d.is_empty() {
                let _ = write!(out, "<path class=\"homes st{st}\" d=\"{d}\"/>");
            }
        }
        out.push_str("</g>\n");
        let _ = writeln!(out, "<g class=\"sel-layer\" id=\"sel-{}\"></g>", level.as_str());
        schools_layer(out, scenario, outcome, level, &proj, *frame);
        zone_labels(out, scenario, level, &proj);
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n</div>\n");
    legend(out, scenario, facts);
    out.push_str("</div>\n");
    map_data(out, scenario, outcome, facts, &proj, &pupils);
    out.push_str("</section>\n");
}

fn frame_attr([x, y, w, h]: [f64; 4]) -> String {
    format!("{x:.0} {y:.0} {w:.0} {h:.0}")
}

/// Links to the page's sections.
const TOC: &str = "<nav class=\"toc\" aria-label=\"Sections\"><a href=\"#round\">Round</a><a href=\"#mapsec\">Map</a>\
<a href=\"#schools\">Schools</a><a href=\"#distances\">Distances</a><a href=\"#unplaced\">Unplaced</a></nav>\n";

const DEFAULT_INFO: &str = "Hover over or tap a school to see where its pupils live.";

fn zones_layer(out: &mut String, scenario: &Scenario, level: Level, proj: &Projection) {
    let tolerance = proj.unit();
    out.push_str("<g class=\"zones\">");
    for (i, z) in scenario.zones.iter().enumerate().filter(|(_, z)| z.level == level) {
        let mut d = String::new();
        for poly in &z.area.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                d.push_str(&ring_path(ring, proj, tolerance));
            }
        }
        if d.is_empty() {
            continue;
        }
        let multi = z.schools.len() > 1;
        let names: Vec<String> = z
            .schools
            .iter()
            .map(|&s| {
                let s = scenario.school(s);
                format!("{} ({})", s.name, s.id)
            })
            .collect();
        let kind = if multi { "multi-school zone" } else { "zone" };
        let _ = write!(
            out,
            "\n<path class=\"zone{}\" id=\"z{i}\" d=\"{d}\"><title>{} · {kind}: {}</title></path>",
            if multi { " multi" } else { "" },
            esc(&z.id),
            esc(&names.join(", "))
        );
    }
    out.push_str("</g>\n");
}

/// Zone labels, smallest zone first, each with candidate positions inside
/// its zone (nearest the interior point first). The page's script picks,
/// at the current zoom, the first candidate whose label stays inside the
/// zone and clear of other labels and schools, or hides the label.
fn zone_labels(out: &mut String, scenario: &Scenario, level: Level, proj: &Projection) {
    let mut zones: Vec<(usize, f64)> = scenario
        .zones
        .iter()
        .enumerate()
        .filter(|(_, z)| z.level == level)
        .map(|(i, z)| (i, z.area.unsigned_area()))
        .collect();
    if zones.is_empty() || zones.len() > ZONE_LABEL_LIMIT {
        return;
    }
    zones.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    out.push_str("<g class=\"zlabels\" aria-hidden=\"true\">");
    for (i, _) in zones {
        let z = &scenario.zones[i];
        let candidates = label_candidates(&z.area, proj);
        let Some(&(x, y)) = candidates.first() else {
            continue;
        };
        let list: Vec<String> = candidates.iter().map(|(x, y)| format!("{x} {y}")).collect();
        let _ = write!(
            out,
            "\n<text x=\"{x}\" y=\"{y}\" data-z=\"z{i}\" data-c=\"{}\">{}</text>",
            list.join(" "),
            esc(&z.id)
        );
    }
    out.push_str("</g>\n");
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

/// The largest symbol radius of a level in metres (sized for the density
/// of its schools in its frame), and its largest capacity: symbol area is
/// proportional to seats.
fn school_radii(scenario: &Scenario, level: Level, proj: &Projection, frame: [f64; 4]) -> (f64, u32) {
    let u = proj.unit();
    let schools = || scenario.schools.iter().filter(|s| s.level == level);
    let n = schools().count().max(1) as f64;
    let max_cap = schools().map(|s| s.capacity).max().unwrap_or(0);
    let area_px = (frame[2] / u) * (frame[3] / u);
    let rmax_px = (0.3 * (area_px / n).sqrt()).clamp(4.0, 16.0);
    (rmax_px * u, max_cap)
}

fn radius(capacity: u32, rmax: f64, max_cap: u32, u: f64) -> f64 {
    if max_cap == 0 {
        return 3.0 * u;
    }
    (rmax * (f64::from(capacity) / f64::from(max_cap)).sqrt()).max(3.0 * u)
}

fn school_title(scenario: &Scenario, outcome: &Outcome, s: usize) -> String {
    let school = &scenario.schools[s];
    let r = &outcome.schools[s];
    let mut t = format!(
        "{} ({}) · {} {} · {} of {} seats filled",
        school.name,
        school.id,
        school.sector.as_str(),
        school.level.as_str(),
        thousands(u64::from(r.admitted)),
        thousands(u64::from(school.capacity))
    );
    if let Some(u) = utilisation(r.admitted, school.capacity) {
        let _ = write!(t, " ({:.0}%)", u * 100.0);
    }
    if r.admitted_fallback > 0 {
        let _ = write!(
            t,
            ", {} by district placement",
            thousands(u64::from(r.admitted_fallback))
        );
    }
    if r.oversubscribed {
        let _ = write!(t, " · oversubscribed: {} applied", thousands(u64::from(r.applicants)));
    }
    t
}

fn schools_layer(
    out: &mut String,
    scenario: &Scenario,
    outcome: &Outcome,
    level: Level,
    proj: &Projection,
    frame: [f64; 4],
) {
    let u = proj.unit();
    let (rmax, max_cap) = school_radii(scenario, level, proj, frame);
    // Largest first, so small schools stay on top and clickable.
    let mut order: Vec<usize> = (0..scenario.schools.len())
        .filter(|&s| scenario.schools[s].level == level)
        .collect();
    order.sort_by(|&a, &b| {
        scenario.schools[b]
            .capacity
            .cmp(&scenario.schools[a].capacity)
            .then(a.cmp(&b))
    });
    out.push_str("<g class=\"schools\">");
    for s in order {
        let school = &scenario.schools[s];
        let r = &outcome.schools[s];
        let (x, y) = proj.at(school.lon, school.lat);
        let rad = radius(school.capacity, rmax, max_cap, u);
        let fill = util_colour(utilisation(r.admitted, school.capacity));
        let title = esc(&school_title(scenario, outcome, s));
        match school.sector {
            Sector::Public => {
                let _ = write!(
                    out,
                    "\n<circle class=\"school\" data-s=\"{s}\" cx=\"{x}\" cy=\"{y}\" r=\"{:.0}\" fill=\"{fill}\"><title>{title}</title></circle>",
                    rad
                );
            }
            Sector::Private => {
                // A square of the same area as the circle.
                let side = rad * std::f64::consts::PI.sqrt();
                let _ = write!(
                    out,
                    "\n<rect class=\"school private\" data-s=\"{s}\" x=\"{:.0}\" y=\"{:.0}\" width=\"{side:.0}\" height=\"{side:.0}\" fill=\"{fill}\"><title>{title}</title></rect>",
                    x as f64 - side / 2.0,
                    y as f64 - side / 2.0,
                );
            }
        }
    }
    out.push_str("</g>\n");
}

fn legend(out: &mut String, scenario: &Scenario, facts: &Facts) {
    out.push_str("<aside class=\"legend\" aria-label=\"Map legend\">\n");
    if !scenario.zones.is_empty() {
        out.push_str(
            "<h3>Zones</h3><ul>\
             <li><svg class=\"key\" viewBox=\"0 0 24 16\" aria-hidden=\"true\"><rect x=\"1\" y=\"1\" width=\"22\" height=\"14\" class=\"zone\"/></svg>single-school zone (单校划片)</li>\
             <li><svg class=\"key\" viewBox=\"0 0 24 16\" aria-hidden=\"true\"><defs><pattern id=\"hatch-key\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#dcefe6\"/><rect width=\"2\" height=\"6\" fill=\"#8cc5ae\"/></pattern></defs><rect x=\"1\" y=\"1\" width=\"22\" height=\"14\" class=\"zone multi\" style=\"fill:url(#hatch-key)\"/></svg>multi-school zone (多校划片)</li></ul>\n",
        );
    }
    out.push_str(
        "<h3>Schools</h3><ul>\
         <li><svg class=\"key\" viewBox=\"0 0 24 16\" aria-hidden=\"true\"><circle cx=\"12\" cy=\"8\" r=\"6\" class=\"school\" fill=\"#fed976\"/></svg>public</li>\
         <li><svg class=\"key\" viewBox=\"0 0 24 16\" aria-hidden=\"true\"><rect x=\"6.5\" y=\"2.5\" width=\"11\" height=\"11\" class=\"school\" fill=\"#fed976\"/></svg>private</li>\
         <li>Symbol area ∝ seats</li></ul>\n<p class=\"scale-label\">Seats filled (admitted ÷ seats)</p>\
         <div class=\"ramp\" aria-hidden=\"true\"></div><div class=\"ramp-ticks\"><span>0%</span><span>50%</span><span>75%</span><span>100%</span></div>\n",
    );
    out.push_str("<h3>Homes, by how the child was placed</h3><ul>");
    let stages = shown_stages(scenario, facts);
    for i in stages {
        let _ = write!(
            out,
            "<li><svg class=\"key\" viewBox=\"0 0 24 16\" aria-hidden=\"true\"><circle cx=\"12\" cy=\"8\" r=\"3.5\" class=\"dot st{i}\"/></svg>{}",
            stage_name(STAGES[i])
        );
        for &l in &facts.levels {
            let _ = write!(
                out,
                " <span class=\"only-{}\">({})</span>",
                l.as_str(),
                thousands(facts.level(l).stages[i])
            );
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>\n");
    for &l in &facts.levels {
        let f = facts.level(l);
        let note = if f.step > 1 {
            format!(
                "<strong>Sampled:</strong> 1 in {} applicants (by id) drawn — {} of {} homes.",
                f.step,
                thousands(f.sampled.len() as u64),
                thousands(f.applicants)
            )
        } else {
            format!("Every applicant's home is drawn ({}).", thousands(f.applicants))
        };
        let _ = writeln!(out, "<p class=\"note only-{}\">{note}</p>", l.as_str());
    }
    out.push_str("</aside>\n");
}

/// The page's data: per school its position, level, tooltip text and its
/// sampled pupils' homes as flat `[x, y, stage, …]` triples.
fn map_data(
    out: &mut String,
    scenario: &Scenario,
    outcome: &Outcome,
    facts: &Facts,
    proj: &Projection,
    pupils: &[Vec<(i64, i64, usize)>],
) {
    let mut json = String::from("{\"levels\":[");
    for (i, l) in facts.levels.iter().enumerate() {
        let _ = write!(json, "{}\"{}\"", if i > 0 { "," } else { "" }, l.as_str());
    }
    json.push_str("],\"schools\":[");
    for (s, school) in scenario.schools.iter().enumerate() {
        let (x, y) = proj.at(school.lon, school.lat);
        let level = facts.levels.iter().position(|&l| l == school.level).unwrap_or(0);
        let r = &outcome.schools[s];
        let sampled = facts.level(school.level).step > 1;
        let shown = pupils[s].len();
        let text = if sampled {
            format!(
                "{} — homes of {} of its {} pupils shown (sample)",
                school_title(scenario, outcome, s),
                thousands(shown as u64),
                thousands(u64::from(r.admitted))
            )
        } else {
            school_title(scenario, outcome, s)
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
    // Inside <script>, "<" must not open a tag: escape it (and its kin) in
    // the JSON strings, where only they can occur.
    let json = json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"report-data\">{json}</script>"
    );
}

// ------------------------------------------------------------ schools

fn schools_section(out: &mut String, scenario: &Scenario, outcome: &Outcome) {
    out.push_str(
        "<section id=\"schools\" aria-labelledby=\"schools-h\">\n<h2 id=\"schools-h\">Schools</h2>\n\
         <p class=\"hint\">Click a column heading to sort; click a school id to show it on the map. \
         Cut-off: the last (priority · ticket) admitted at an oversubscribed school.\
         <span class=\"phone-only\"> Swipe the table sideways for more columns.</span></p>\n\
         <div class=\"tablewrap\"><table class=\"sortable schools\">\n<caption>Schools, capacity and admissions</caption>\n<thead><tr>",
    );
    let columns: [(&str, bool); 13] = [
        ("Id", false),
        ("Name", false),
        ("Level", false),
        ("Sector", false),
        ("Seats", true),
        ("Applicants", true),
        ("Admitted (fallback)", true),
        ("Classes", true),
        ("Largest class", true),
        ("Vacancies", true),
        ("Seats filled", true),
        ("Over&shy;subscribed", false),
        ("Cut-off", false),
    ];
    for (name, numeric) in columns {
        let _ = write!(
            out,
            "<th scope=\"col\" aria-sort=\"none\"{}><button type=\"button\">{name}</button></th>",
            if numeric { " data-num=\"1\" class=\"num\"" } else { "" }
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (s, (school, r)) in scenario.schools.iter().zip(&outcome.schools).enumerate() {
        let util = utilisation(r.admitted, school.capacity);
        let standard = match school.level {
            Level::Primary => 45,
            Level::Junior => 50,
        };
        let largest = if r.largest_class > standard {
            format!(
                "<td class=\"num warn\" title=\"above the national standard of {standard}\">{}</td>",
                r.largest_class
            )
        } else {
            format!("<td class=\"num\">{}</td>", r.largest_class)
        };
        let cutoff = r.cutoff.map_or(String::from("<td data-v=\"\"></td>"), |k| {
            let (p, hex) = (k.priority, k.ticket.to_hex());
            format!(
                "<td class=\"nowrap\" data-v=\"{p:010}{hex}\"><span class=\"mono\">{p} · {}</span></td>",
                &hex[..8]
            )
        });
        let _ = writeln!(
            out,
            "<tr><td><button type=\"button\" class=\"pick mono\" data-s=\"{s}\" title=\"Show on the map\">{}</button></td>\
             <td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\" data-v=\"{}\">{}{}</td><td class=\"num\">{}</td>{largest}<td class=\"num\">{}</td>\
             <td class=\"num\" data-v=\"{}\"><span class=\"chip\" style=\"background:{}\"></span>{}</td><td>{}</td>{cutoff}</tr>",
            esc(&school.id),
            esc(&school.name),
            school.level.as_str(),
            school.sector.as_str(),
            thousands(u64::from(school.capacity)),
            thousands(u64::from(r.applicants)),
            r.admitted,
            thousands(u64::from(r.admitted)),
            if r.admitted_fallback > 0 {
                format!(" <span class=\"muted\">({})</span>", thousands(u64::from(r.admitted_fallback)))
            } else {
                String::new()
            },
            r.classes_opened,
            thousands(u64::from(school.capacity.saturating_sub(r.admitted))),
            util.map_or(String::from("-1"), |u| format!("{u:.4}")),
            util_colour(util),
            util.map_or(String::from("—"), |u| format!("{:.0}%", u * 100.0)),
            if r.oversubscribed { "<strong>yes</strong>" } else { "no" },
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

// ---------------------------------------------------------- distances

fn distance_section(out: &mut String, facts: &Facts) {
    out.push_str(
        "<section id=\"distances\" aria-labelledby=\"dist-h\">\n<h2 id=\"dist-h\">Distance from home to school</h2>\n\
         <p class=\"hint\">Placed applicants, 500 m bins, coloured by stage. Distances are \
         great-circle metres (or the road matrix when the policy uses one).</p>\n",
    );
    out.push_str("<p class=\"keys\">");
    for i in shown_stages_placed(facts) {
        let _ = write!(
            out,
            "<span><span class=\"sq st{i}\"></span>{}</span> ",
            stage_name(STAGES[i])
        );
    }
    out.push_str("</p>\n<div class=\"cols\">\n");
    for &level in &facts.levels {
        histogram(out, level, facts.level(level));
    }
    out.push_str("</div>\n</section>\n");
}

/// The placing stages that placed someone, for the histogram's key.
fn shown_stages_placed(facts: &Facts) -> Vec<usize> {
    (0..STAGES.len())
        .filter(|&i| STAGES[i] != Stage::Unplaced && facts.per_level.iter().any(|f| f.stages[i] > 0))
        .collect()
}

fn histogram(out: &mut String, level: Level, f: &LevelFacts) {
    let _ = writeln!(out, "<figure class=\"hist\">\n<figcaption><h3>{}</h3>", level.as_str());
    let mut ds: Vec<f64> = f.distances.iter().map(|&(d, _)| d).collect();
    let stats = distance_stats(&mut ds);
    let stat = |k: &str| stats.get(k).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
    if f.distances.is_empty() {
        out.push_str("<p class=\"muted\">Nobody was placed at this level.</p></figcaption>\n</figure>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<p class=\"stats\">mean <b>{}</b> · median <b>{}</b> · p90 <b>{}</b> · max <b>{}</b> · {} placed</p></figcaption>",
        metres(stat("mean")),
        metres(stat("median")),
        metres(stat("p90")),
        metres(stat("max")),
        thousands(f.distances.len() as u64)
    );
    let max = stat("max");
    let overflow = max > HIST_CAP_M;
    let regular = ((max.min(HIST_CAP_M) / BIN_M).ceil() as usize).max(1);
    let bins = regular + usize::from(overflow);
    let mut counts = vec![[0u64; STAGES.len()]; bins];
    for &(d, st) in &f.distances {
        let b = ((d / BIN_M).floor() as usize).min(bins - 1);
        let b = if !overflow && b >= regular { regular - 1 } else { b };
        counts[b][st] += 1;
    }
    let top = counts.iter().map(|c| c.iter().sum::<u64>()).max().unwrap_or(1).max(1);
    let (w, h, left, bottom, top_pad) = (560.0, 230.0, 52.0, 34.0, 14.0);
    let plot_h = h - bottom - top_pad;
    let bw = (w - left - 8.0) / bins as f64;
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Histogram of distances, {}\">",
        level.as_str()
    );
    // Axis: count at the top, 0 at the bottom, a few gridlines.
    for frac in [0.0, 0.5, 1.0] {
        let y = top_pad + plot_h * (1.0 - frac);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"ytick\" x=\"{}\" y=\"{:.1}\">{}</text>",
            w - 8.0,
            left - 6.0,
            y + 5.0,
            thousands((top as f64 * frac).round() as u64)
        );
    }
    let label_every = match bins {
        0..=12 => 2,
        13..=24 => 4,
        _ => 8,
    };
    for (b, c) in counts.iter().enumerate() {
        let x = left + b as f64 * bw;
        let mut y = top_pad + plot_h;
        let total: u64 = c.iter().sum();
        let range = if overflow && b == bins - 1 {
            format!("over {}", metres(HIST_CAP_M))
        } else {
            format!("{}–{}", metres(b as f64 * BIN_M), metres((b + 1) as f64 * BIN_M))
        };
        let parts: Vec<String> = c
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .map(|(st, &n)| format!("{} {}", stage_name(STAGES[st]), thousands(n)))
            .collect();
        let _ = write!(
            out,
            "<g><title>{range}: {} ({})</title>",
            thousands(total),
            esc(&parts.join(", "))
        );
        for (st, &n) in c.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let bh = plot_h * n as f64 / top as f64;
            y -= bh;
            let _ = write!(
                out,
                "<rect class=\"bar st{st}\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\"/>",
                x + 0.5,
                (bw - 1.0).max(0.5)
            );
        }
        out.push_str("</g>");
        if b.is_multiple_of(label_every) && !(overflow && b == bins - 1) {
            let _ = write!(
                out,
                "<text class=\"xtick\" x=\"{x:.1}\" y=\"{}\">{}</text>",
                h - bottom + 20.0,
                km(b as f64 * BIN_M)
            );
        }
    }
    if overflow {
        let _ = write!(
            out,
            "<text class=\"xtick\" x=\"{:.1}\" y=\"{}\">&gt;{}</text>",
            left + (bins - 1) as f64 * bw + bw / 2.0,
            h - bottom + 20.0,
            km(HIST_CAP_M)
        );
    }
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{left}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/></svg>\n</figure>",
        w - 8.0,
        y = top_pad + plot_h
    );
}

// ----------------------------------------------------------- unplaced

fn unplaced_section(out: &mut String, scenario: &Scenario, outcome: &Outcome) {
    out.push_str(
        "<section id=\"unplaced\" aria-labelledby=\"unplaced-h\">\n<h2 id=\"unplaced-h\">Unplaced applicants</h2>\n",
    );
    let unplaced: Vec<usize> = (0..scenario.applicants.len())
        .filter(|&a| outcome.placements[a].stage == Stage::Unplaced)
        .collect();
    if unplaced.is_empty() {
        out.push_str("<p>Every applicant has a seat.</p>\n</section>\n");
        return;
    }
    let mut reasons: BTreeMap<&str, (Reason, u64)> = BTreeMap::new();
    for &a in &unplaced {
        if let Some(r) = outcome.placements[a].reason {
            reasons.entry(r.as_str()).or_insert((r, 0)).1 += 1;
        }
    }
    out.push_str("<table class=\"reasons\">\n<caption>Unplaced applicants by reason</caption>\n<thead><tr><th scope=\"col\">Reason</th><th scope=\"col\">Meaning</th><th scope=\"col\" class=\"num\">Applicants</th></tr></thead>\n<tbody>\n");
    for (name, (reason, n)) in &reasons {
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{name}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            reason_text(*reason),
            thousands(*n)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if unplaced.len() > UNPLACED_ROWS {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} applicants are unplaced; the first {UNPLACED_ROWS} by id are listed. \
             <code>assignments.csv</code> lists them all.</p>",
            thousands(unplaced.len() as u64)
        );
    }
    out.push_str(
        "<div class=\"tablewrap\"><table class=\"sortable\">\n<caption>Unplaced applicants (ids are pseudonymous)</caption>\n<thead><tr>\
         <th scope=\"col\" aria-sort=\"none\"><button type=\"button\">Applicant</button></th>\
         <th scope=\"col\" aria-sort=\"none\"><button type=\"button\">Level</button></th>\
         <th scope=\"col\" aria-sort=\"none\"><button type=\"button\">Zone</button></th>\
         <th scope=\"col\" aria-sort=\"none\" data-num=\"1\" class=\"num\"><button type=\"button\">Priority</button></th>\
         <th scope=\"col\" aria-sort=\"none\"><button type=\"button\">Reason</button></th></tr></thead>\n<tbody>\n",
    );
    for &a in unplaced.iter().take(UNPLACED_ROWS) {
        let app = &scenario.applicants[a];
        let zone = outcome.zone_of[a].map_or("—", |z| scenario.zones[z as usize].id.as_str());
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"mono\">{}</td></tr>",
            esc(&app.id),
            app.level.as_str(),
            esc(zone),
            app.priority,
            outcome.placements[a].reason.map_or("", Reason::as_str)
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

// ------------------------------------------------- static maps (compare)

/// One round to draw as a static map: its scenario, outcome, and the
/// applicants (by index) whose homes are highlighted.
pub(crate) struct MapRound<'a> {
    /// The scenario of the round.
    pub scenario: &'a Scenario,
    /// Its outcome.
    pub outcome: &'a Outcome,
    /// `highlight[a]`: applicant `a`'s home is drawn on top with a ring.
    pub highlight: &'a [bool],
}

/// One level of several rounds as static SVG maps (no script needed), all
/// on one projection and frame so they can be laid side by side: zones
/// (multi-school zones hatched), homes coloured by stage (sampled as in
/// the report, dimmed when something is highlighted), every highlighted
/// home with a dark ring, schools sized by seats and coloured by
/// utilisation, zone labels. The hatch pattern is defined in the first map
/// only (ids are unique in a page). Empty strings when nothing is drawn.
pub(crate) fn static_level_maps(rounds: &[MapRound], level: Level, aria: &[&str]) -> Vec<String> {
    let facts: Vec<Facts> = rounds
        .iter()
        .map(|r| Facts::gather(r.scenario, r.outcome, HOME_SAMPLE_CAP))
        .collect();
    let Some(bounds) = rounds
        .iter()
        .zip(&facts)
        .filter_map(|(r, f)| level_bounds(r.scenario, f, level))
        .reduce(Bounds::union)
    else {
        return vec![String::new(); rounds.len()];
    };
    let proj = Projection::fit(bounds);
    let u = proj.unit();
    let frame = [0.0, 0.0, proj.width, proj.height];
    let mut maps = Vec::with_capacity(rounds.len());
    for (i, (r, f)) in rounds.iter().zip(&facts).enumerate() {
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg class=\"cmap\" viewBox=\"{}\" role=\"img\" aria-label=\"{}\" style=\"--u:{u:.3}\">",
            frame_attr(frame),
            esc(aria.get(i).copied().unwrap_or("map")),
        );
        if i == 0 {
            let _ = write!(
                out,
                "<defs><pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"{p}\" height=\"{p}\" patternTransform=\"rotate(45)\">\
                 <rect width=\"{p}\" height=\"{p}\" fill=\"#dcefe6\"/><rect width=\"{q}\" height=\"{p}\" fill=\"#8cc5ae\"/></pattern></defs>",
                p = (7.0 * u).round().max(1.0),
                q = (2.5 * u).round().max(1.0),
            );
        }
        zones_layer(&mut out, r.scenario, level, &proj);
        let lf = f.level(level);
        let mut paths: [String; STAGES.len()] = Default::default();
        for &a in &lf.sampled {
            if r.highlight.get(a).copied().unwrap_or(false) {
                continue;
            }
            let app = &r.scenario.applicants[a];
            let (x, y) = proj.at(app.lon, app.lat);
            let _ = write!(paths[stage_index(r.outcome.placements[a].stage)], "M{x} {y}h0");
        }
        let dim = r.highlight.iter().any(|&h| h);
        let _ = write!(out, "<g class=\"homes-layer{}\">", if dim { " dim" } else { "" });
        for (st, d) in paths.iter().enumerate() {
            if !d.is_empty() {
                let _ = write!(out, "<path class=\"homes st{st}\" d=\"{d}\"/>");
            }
        }
        out.push_str("</g>\n");
        let mut ring = String::new();
        let mut marked: [String; STAGES.len()] = Default::default();
        for (a, app) in r.scenario.applicants.iter().enumerate() {
            if app.level != level || !r.highlight.get(a).copied().unwrap_or(false) {
                continue;
            }
            let (x, y) = proj.at(app.lon, app.lat);
            let _ = write!(ring, "M{x} {y}h0");
            let _ = write!(marked[stage_index(r.outcome.placements[a].stage)], "M{x} {y}h0");
        }
        if !ring.is_empty() {
            let _ = write!(out, "<g class=\"changed-layer\"><path class=\"ring\" d=\"{ring}\"/>");
            for (st, d) in marked.iter().enumerate() {
                if !d.is_empty() {
                    let _ = write!(out, "<path class=\"homes st{st}\" d=\"{d}\"/>");
                }
            }
            out.push_str("</g>\n");
        }
        schools_layer(&mut out, r.scenario, r.outcome, level, &proj, frame);
        zone_labels(&mut out, r.scenario, level, &proj);
        out.push_str("</svg>");
        maps.push(out);
    }
    maps
}

/// The stage's colour class and name, for a legend: `(st{n}, name)`.
pub(crate) fn stage_key(stage: Stage) -> (usize, &'static str) {
    (stage_index(stage), stage_name(stage))
}

/// The utilisation colour scale of the maps.
pub(crate) fn utilisation_colour(admitted: u32, capacity: u32) -> String {
    util_colour(utilisation(admitted, capacity))
}

// ------------------------------------------------------------ helpers

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An integer with thousands separators: 12,345.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A distance for reading: metres below 1 km, else kilometres with up to
/// two decimals (6 km, 1.5 km, 1.62 km).
fn metres(m: f64) -> String {
    if m < 1000.0 {
        return format!("{m:.0} m");
    }
    let km = format!("{:.2}", m / 1000.0);
    format!("{} km", km.trim_end_matches('0').trim_end_matches('.'))
}

/// An axis label in kilometres.
fn km(m: f64) -> String {
    let k = m / 1000.0;
    if k.fract() == 0.0 {
        format!("{k:.0} km")
    } else {
        format!("{k:.1}")
    }
}

pub(crate) const STYLE: &str = r#":root{--fg:#1b1f24;--muted:#58606b;--line:#d5dae1;--bg:#fff;--panel:#f6f8fa;--accent:#0b5cad;
--st0:#1b9e77;--st1:#2166ac;--st2:#2166ac;--st3:#2166ac;--st4:#c51b7d;--st5:#111;}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--fg);background:var(--bg);line-height:1.45;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;font-size:15px}
main{max-width:1240px;margin:0 auto;padding:16px 20px 40px}
header h1{margin:.2em 0 .1em;font-size:1.7rem}
.lead{margin:0 0 .4em;color:var(--muted)}
.toc{display:flex;flex-wrap:wrap;gap:4px 16px;margin:0 0 .4em}
.toc a{color:var(--accent)}
section{scroll-margin-top:8px}
h2{font-size:1.3rem;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:2px solid var(--line)}
h3{font-size:1rem;margin:.8em 0 .3em}
code,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"Noto Sans Mono CJK SC",monospace;font-size:.92em}
.hash{word-break:break-all}
.cols{display:flex;flex-wrap:wrap;gap:16px 32px;align-items:flex-start}
.cols>*{flex:1 1 380px;min-width:0}
dl.facts{display:grid;grid-template-columns:minmax(9em,auto) 1fr;gap:4px 14px;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.ok{color:#0a6b2f;font-weight:600}.bad{color:#b00020;font-weight:600}
table{border-collapse:collapse;font-size:.93rem}
caption{text-align:left;font-weight:600;padding:4px 0 6px}
th,td{padding:5px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--panel);vertical-align:bottom}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.num,td.nowrap{white-space:nowrap}
table.results{width:100%}
table.results tr.sub th{padding-left:22px;font-weight:400}
table.results tr.strong{font-weight:600}
table.results tbody th{font-weight:500}
.sw{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px;background:var(--c)}
.st0{--c:var(--st0)}.st1{--c:var(--st1)}.st2{--c:var(--st2)}.st3{--c:var(--st3)}.st4{--c:var(--st4)}.st5{--c:var(--st5)}
.toolbar{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:0 0 8px}
.seg{display:inline-flex;border:1px solid #8a96a3;border-radius:6px;overflow:hidden}
.seg button{font:inherit;border:0;background:#fff;color:var(--fg);padding:6px 14px;cursor:pointer;min-width:40px}
.seg button+button{border-left:1px solid #8a96a3}
.seg button[aria-pressed=true]{background:var(--accent);color:#fff}
.seg button:focus-visible,th button:focus-visible,.pick:focus-visible{outline:2px solid var(--accent);outline-offset:1px}
.info{margin:0 0 8px;min-height:1.45em;color:var(--muted)}
.info.active{color:var(--fg);font-weight:500}
.mapwrap{display:flex;flex-wrap:wrap;gap:16px}
.mapbox{flex:3 1 560px;min-width:0;border:1px solid var(--line);border-radius:6px;background:#fbfcfd;overflow:hidden}
#map{display:block;width:100%;height:auto;max-height:88vh;touch-action:pan-y pinch-zoom;user-select:none}
#map.zoomed{cursor:grab;touch-action:none}
#mapsec[data-level=primary] .lvl:not(.lvl-primary),#mapsec[data-level=junior] .lvl:not(.lvl-junior){display:none}
#mapsec[data-level=primary] .only-junior,#mapsec[data-level=junior] .only-primary{display:none}
.zone{fill:#eaeef3;stroke:#6d7b8c;stroke-width:1.2px;vector-effect:non-scaling-stroke;fill-rule:evenodd}
.zone.multi{fill:url(#hatch);stroke:#1f7a5a;stroke-width:1.8px}
.zone:hover{fill-opacity:.7}
.zlabels{font-size:calc(var(--u)*12px);stroke-width:calc(var(--u)*3px)}
.zlabels text{fill:#22303d;font-weight:600;text-anchor:middle;dominant-baseline:central;
paint-order:stroke;stroke:#fff;stroke-opacity:.85;stroke-linejoin:round;pointer-events:none}
.homes{fill:none;stroke:var(--c);stroke-width:3.4px;stroke-linecap:round;vector-effect:non-scaling-stroke;pointer-events:none}
.homes.st5{stroke-width:4.5px}
#map.has-sel .homes-layer{opacity:.18}
.sel-lines{fill:none;stroke:#1b1f24;stroke-opacity:.45;stroke-width:.8px;vector-effect:non-scaling-stroke;pointer-events:none}
.sel-dots{stroke-width:4.5px}
.school{stroke:#2b2b2b;stroke-width:1.2px;vector-effect:non-scaling-stroke;cursor:pointer}
.school:hover,.school.sel{stroke:#000;stroke-width:3px}
.legend{flex:1 1 240px;font-size:.9rem}
.legend h3{margin:.9em 0 .3em;font-size:.95rem}
.legend h3:first-child{margin-top:.2em}
.legend ul{list-style:none;margin:0 0 10px;padding:0}
.legend li{display:flex;align-items:center;gap:6px;margin:3px 0;flex-wrap:wrap}
.key{width:24px;height:16px;flex:none}
.key .school{cursor:default}
.dot{fill:var(--c)}
.scale-label{margin:4px 0 2px}
.ramp{height:12px;border:1px solid #999;border-radius:2px;max-width:240px;
background:linear-gradient(90deg,#ffffcc 0%,#fed976 50%,#fd8d3c 75%,#e31a1c 90%,#800026 100%)}
.ramp-ticks{position:relative;height:1.3em;max-width:240px;font-size:.8rem;color:var(--muted)}
.ramp-ticks span{position:absolute;transform:translateX(-50%)}
.ramp-ticks span:nth-child(1){left:0;transform:none}.ramp-ticks span:nth-child(2){left:50%}
.ramp-ticks span:nth-child(3){left:75%}.ramp-ticks span:nth-child(4){right:0;transform:none}
.note{background:#fff8e1;border-left:3px solid #f0b400;padding:6px 10px;margin:8px 0}
.legend .note{background:none;border:0;padding:0;color:var(--muted)}
.hint,.muted{color:var(--muted)}
.tablewrap{overflow-x:auto;border:1px solid var(--line);border-radius:6px;max-height:80vh;overflow-y:auto}
.tablewrap table{width:100%}
.tablewrap caption{padding:6px 9px}
table.schools{font-size:.88rem}
table.schools th,table.schools td{padding:5px 7px}
table.schools td:nth-child(2){min-width:11em}
table.schools td:first-child,table.schools th:first-child{position:sticky;left:0;background:#fff;z-index:1}
table.schools thead th:first-child{background:var(--panel);z-index:2}
table.reasons{margin-bottom:14px}
.tablewrap thead th{position:sticky;top:0;z-index:1}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;color:inherit;cursor:pointer;text-align:inherit}
th[aria-sort=ascending] button::after{content:" ▲";font-size:.75em}
th[aria-sort=descending] button::after{content:" ▼";font-size:.75em}
tbody tr:hover{background:#f3f7fc}
.pick{font:inherit;background:none;border:0;padding:0;color:var(--accent);text-decoration:underline;cursor:pointer}
.chip{display:inline-block;width:10px;height:10px;border:1px solid #777;margin-right:6px;vertical-align:-1px}
.warn{color:#b00020;font-weight:600}
.hist{margin:0}
.keys{display:flex;flex-wrap:wrap;gap:4px 16px;margin:0 0 6px;font-size:.9rem}
.sq{display:inline-block;width:11px;height:11px;margin-right:6px;vertical-align:-1px;background:var(--c)}
.hist h3{margin:.2em 0}
.hist svg{width:100%;height:auto;display:block}
.stats{margin:.1em 0 .4em;color:var(--muted)}
.bar{fill:var(--c)}
.grid{stroke:#e3e7ec}.axis{stroke:#555}
.ytick{font-size:14px;fill:var(--muted);text-anchor:end}
.xtick{font-size:14px;fill:var(--muted);text-anchor:middle}
.phone-only{display:none}
.empty{padding:20px}
footer{margin-top:32px;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);padding-top:8px}
@media (max-width:640px){main{padding:10px 10px 30px}body{font-size:14px}header h1{font-size:1.35rem}
dl.facts{grid-template-columns:minmax(6.5em,32%) 1fr;font-size:.9rem}
th,td{padding:4px 6px}#map{max-height:none}.phone-only{display:inline}.homes{stroke-width:2.6px}.homes.st5{stroke-width:3.4px}}
"#;

const SCRIPT: &str = r##"(function () {
  "use strict";
  var body = document.body;
  window.addEventListener("error", function (e) { body.setAttribute("data-error", String(e.message)); });
  try {
    init();
    body.setAttribute("data-ready", "1");
  } catch (e) {
    body.setAttribute("data-error", String((e && e.message) || e));
  }

  function init() {
    sortableTables();
    var sec = document.getElementById("mapsec");
    var svg = document.getElementById("map");
    var info = document.getElementById("mapinfo");
    var data = JSON.parse(document.getElementById("report-data").textContent);
    var NS = "http://www.w3.org/2000/svg";
    var pinned = -1;
    var level = sec.getAttribute("data-level");
    var fit = null, vb = null;

    function each(list, f) { for (var i = 0; i < list.length; i++) f(list[i], i); }
    function levelGroup() { return svg.querySelector(".lvl-" + level); }

    function setLevel(next) {
      level = next;
      sec.setAttribute("data-level", level);
      each(sec.querySelectorAll("button[data-level]"), function (b) {
        b.setAttribute("aria-pressed", String(b.getAttribute("data-level") === level));
      });
      if (pinned >= 0 && data.levels[data.schools[pinned].l] !== level) { pinned = -1; clear(); }
      if (svg) { fitLevel(); }
    }
    each(sec.querySelectorAll("button[data-level]"), function (b) {
      b.addEventListener("click", function () { setLevel(b.getAttribute("data-level")); });
    });
    if (!svg) return;
    info.setAttribute("data-default", info.textContent);

    // Selection: lines from a school's pupils' homes to the school.
    function clear() {
      each(svg.querySelectorAll(".sel-layer"), function (l) { l.textContent = ""; });
      each(svg.querySelectorAll(".school.sel"), function (s) { s.classList.remove("sel"); });
      svg.classList.remove("has-sel");
      info.textContent = info.getAttribute("data-default");
      info.classList.remove("active");
    }
    function addPath(layer, cls, d) {
      var p = document.createElementNS(NS, "path");
      p.setAttribute("class", cls);
      p.setAttribute("d", d);
      layer.appendChild(p);
    }
    function show(i) {
      clear();
      var s = data.schools[i];
      if (!s) return;
      var layer = document.getElementById("sel-" + data.levels[s.l]);
      var lines = [], dots = [], n = 0;
      for (var j = 0; j + 2 < s.p.length; j += 3) {
        var st = s.p[j + 2];
        lines.push("M" + s.x + " " + s.y + "L" + s.p[j] + " " + s.p[j + 1]);
        dots[st] = (dots[st] || "") + "M" + s.p[j] + " " + s.p[j + 1] + "h0";
        n++;
      }
      if (layer) {
        if (n) addPath(layer, "sel-lines", lines.join(""));
        for (var k = 0; k < dots.length; k++) if (dots[k]) addPath(layer, "homes sel-dots st" + k, dots[k]);
      }
      var el = svg.querySelector('.school[data-s="' + i + '"]');
      if (el) el.classList.add("sel");
      svg.classList.add("has-sel");
      info.textContent = s.t + (pinned === i ? " — tap the school again or press Esc to clear." : "");
      info.classList.add("active");
    }
    function pin(i) {
      pinned = i;
      if (i >= 0) show(i); else clear();
      try {
        var url = location.pathname + location.search + (i >= 0 ? "#school=" + encodeURIComponent(data.schools[i].id) : "");
        history.replaceState(null, "", url);
      } catch (e) { /* file: URLs may refuse; the selection still works */ }
    }

    // Zoom and pan by changing the viewBox inside the level's frame.
    function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }
    function apply() {
      vb.w = clamp(vb.w, fit.w / 64, fit.w);
      vb.h = vb.w * fit.h / fit.w;
      vb.x = clamp(vb.x, fit.x, fit.x + fit.w - vb.w);
      vb.y = clamp(vb.y, fit.y, fit.y + fit.h - vb.h);
      svg.setAttribute("viewBox", [vb.x, vb.y, vb.w, vb.h].map(Math.round).join(" "));
      svg.classList.toggle("zoomed", vb.w < fit.w - 1);
    }
    function fitLevel() {
      var g = levelGroup();
      var f = (g ? g.getAttribute("data-fit") : svg.getAttribute("viewBox")).split(" ").map(Number);
      fit = { x: f[0], y: f[1], w: f[2], h: f[3] };
      vb = { x: fit.x, y: fit.y, w: fit.w, h: fit.h };
      apply();
      layoutLabels();
    }
    function zoom(f) {
      var cx = vb.x + vb.w / 2, cy = vb.y + vb.h / 2;
      vb.w = vb.w / f;
      vb.h = vb.w * fit.h / fit.w;
      vb.x = cx - vb.w / 2;
      vb.y = cy - vb.h / 2;
      apply();
      layoutLabels();
    }
    each(sec.querySelectorAll("button[data-zoom]"), function (b) {
      b.addEventListener("click", function () {
        var what = b.getAttribute("data-zoom");
        if (what === "in") zoom(2); else if (what === "out") zoom(0.5); else fitLevel();
      });
    });
    var drag = null, moved = false;
    svg.addEventListener("pointerdown", function (e) {
      moved = false;
      if (!svg.classList.contains("zoomed")) return;
      drag = { x: e.clientX, y: e.clientY, vx: vb.x, vy: vb.y, k: vb.w / svg.getBoundingClientRect().width };
    });
    window.addEventListener("pointermove", function (e) {
      if (!drag) return;
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) moved = true;
      if (!moved) return;
      vb.x = drag.vx - dx * drag.k;
      vb.y = drag.vy - dy * drag.k;
      apply();
    });
    function endDrag() { if (drag && moved) layoutLabels(); drag = null; }
    window.addEventListener("pointerup", endDrag);
    window.addEventListener("pointercancel", endDrag);
    var resizeTimer = 0;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(layoutLabels, 150);
    });

    // Zone labels: 12 px on screen, inside their zone, clear of each other
    // and of schools; a label with no free place is hidden.
    function layoutLabels() {
      var g = levelGroup();
      var labels = g ? g.querySelector(".zlabels") : null;
      if (!labels) return;
      var width = svg.getBoundingClientRect().width;
      if (!(width > 0)) return;
      var k = vb.w / width;
      labels.style.fontSize = (12 * k) + "px";
      labels.style.strokeWidth = (3 * k) + "px";
      var taken = [];
      each(g.querySelectorAll(".school"), function (s) {
        if (s.tagName === "circle") {
          var r = Number(s.getAttribute("r")), cx = Number(s.getAttribute("cx")), cy = Number(s.getAttribute("cy"));
          taken.push([cx - r, cy - r, cx + r, cy + r]);
        } else {
          var x = Number(s.getAttribute("x")), y = Number(s.getAttribute("y"));
          taken.push([x, y, x + Number(s.getAttribute("width")), y + Number(s.getAttribute("height"))]);
        }
      });
      var pad = 2 * k;
      function free(b) {
        for (var i = 0; i < taken.length; i++) {
          var t = taken[i];
          if (b[0] < t[2] + pad && b[2] + pad > t[0] && b[1] < t[3] + pad && b[3] + pad > t[1]) return false;
        }
        return true;
      }
      function inside(zone, b) {
        if (!zone || !zone.isPointInFill || typeof DOMPoint === "undefined") return true;
        var pts = [[b[0], b[1]], [b[2], b[1]], [b[0], b[3]], [b[2], b[3]]];
        for (var i = 0; i < pts.length; i++) if (!zone.isPointInFill(new DOMPoint(pts[i][0], pts[i][1]))) return false;
        return true;
      }
      var texts = labels.querySelectorAll("text"), later = [];
      function place(t, needInside, small) {
        t.style.display = "";
        t.style.fontSize = small ? (10 * k) + "px" : "";
        var c = t.getAttribute("data-c").split(" ").map(Number);
        t.setAttribute("x", c[0]);
        t.setAttribute("y", c[1]);
        var bb = t.getBBox(), w = bb.width, h = bb.height;
        var zone = document.getElementById(t.getAttribute("data-z"));
        for (var i = 0; i + 1 < c.length; i += 2) {
          var b = [c[i] - w / 2, c[i + 1] - h / 2, c[i] + w / 2, c[i + 1] + h / 2];
          if (free(b) && (!needInside || inside(zone, b))) {
            t.setAttribute("x", c[i]);
            t.setAttribute("y", c[i + 1]);
            taken.push(b);
            return true;
          }
        }
        t.style.display = "none";
        return false;
      }
      each(texts, function (t) { if (!place(t, true, false)) later.push(t); });
      each(later, function (t) { place(t, true, true) || place(t, false, false) || place(t, false, true); });
    }

    function schoolOf(target) {
      var el = target && target.closest ? target.closest(".school") : null;
      return el ? Number(el.getAttribute("data-s")) : -1;
    }
    svg.addEventListener("mouseover", function (e) {
      var i = schoolOf(e.target);
      if (i >= 0 && pinned < 0) show(i);
    });
    svg.addEventListener("mouseout", function (e) {
      if (schoolOf(e.target) >= 0 && pinned < 0) clear();
    });
    svg.addEventListener("click", function (e) {
      if (moved) { moved = false; return; }
      var i = schoolOf(e.target);
      pin(i >= 0 && pinned !== i ? i : -1);
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && pinned >= 0) pin(-1);
    });
    function select(i) {
      var s = data.schools[i];
      if (!s) return;
      setLevel(data.levels[s.l]);
      pin(i);
    }
    each(document.querySelectorAll(".pick[data-s]"), function (b) {
      b.addEventListener("click", function () {
        select(Number(b.getAttribute("data-s")));
        sec.scrollIntoView({ block: "start" });
      });
    });

    fitLevel();
    // report.html#school=<id> opens with that school selected.
    var m = /^#school=(.+)$/.exec(location.hash);
    if (m) {
      var id = decodeURIComponent(m[1]);
      for (var i = 0; i < data.schools.length; i++) if (data.schools[i].id === id) { select(i); break; }
    }
  }

  function sortableTables() {
    var tables = document.querySelectorAll("table.sortable");
    for (var t = 0; t < tables.length; t++) {
      var heads = tables[t].tHead.rows[0].cells;
      for (var c = 0; c < heads.length; c++) heads[c].addEventListener("click", sorter(tables[t], c));
    }
  }
  function sorter(table, col) {
    return function () {
      var heads = table.tHead.rows[0].cells, th = heads[col];
      var numeric = th.hasAttribute("data-num");
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      for (var h = 0; h < heads.length; h++) heads[h].setAttribute("aria-sort", "none");
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var body = table.tBodies[0];
      var keyed = Array.prototype.map.call(body.rows, function (row, i) {
        var cell = row.cells[col];
        var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
        if (numeric) {
          v = parseFloat(String(v).replace(/,/g, ""));
          if (isNaN(v)) v = -Infinity;
        }
        return { row: row, key: v, i: i };
      });
      keyed.sort(function (a, b) {
        if (a.key < b.key) return -dir;
        if (a.key > b.key) return dir;
        return a.i - b.i;
      });
      for (var i = 0; i < keyed.length; i++) body.appendChild(keyed[i].row);
    };
  }
})();
"##;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{self, LoadOptions};

    const POLICY: &str = "seed = \"report test\"\nrule = \"zone\"\n\n[fallback]\nrule = \"nearest_vacancy\"\n\n\
                          [levels.primary]\nmax_class_size = 45\n[levels.junior]\nmax_class_size = 50\n";

    const ZONES: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"Z1","level":"primary","schools":["S1","S2"]},"geometry":{"type":"Polygon","coordinates":[[[116.0,39.0],[116.02,39.0],[116.02,39.02],[116.0,39.02],[116.0,39.0]]]}},
{"type":"Feature","properties":{"id":"J1","level":"junior","schools":["J"]},"geometry":{"type":"Polygon","coordinates":[[[116.0,39.0],[116.02,39.0],[116.02,39.02],[116.0,39.02],[116.0,39.0]]]}}]}"#;

    const SCHOOLS: &str = "id,name,level,sector,lon,lat,classes,class_cap,reserved\n\
                           S1,北京市第一实验小学,primary,public,116.005,39.005,1,2,\n\
                           S2,\"A<&>\"\"B school\",primary,public,116.015,39.015,1,2,\n\
                           J,Junior,junior,public,116.01,39.01,1,2,\n\
                           P,Private <Academy>,primary,private,116.01,39.01,1,1,\n";

    fn scenario_with(applicants: &str) -> (Scenario, Outcome) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("policy.toml", POLICY),
            ("zones.geojson", ZONES),
            ("schools.csv", SCHOOLS),
            ("applicants.csv", applicants),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let scenario = scenario::load(dir.path(), &LoadOptions::default()).unwrap();
        let outcome = crate::round::run(&scenario);
        (scenario, outcome)
    }

    fn applicants(n: usize) -> String {
        let mut csv = String::from("id,level,lon,lat,priority,private_choices\n");
        for i in 0..n {
            let level = if i % 3 == 2 { "junior" } else { "primary" };
            let choice = if i % 7 == 0 && level == "primary" { "P" } else { "" };
            let _ = writeln!(
                csv,
                "a{i:05},{level},{:.6},{:.6},{},{choice}",
                116.001 + (i % 19) as f64 * 0.001,
                39.001 + (i % 17) as f64 * 0.001,
                1 + i % 2
            );
        }
        csv
    }

    fn page(n: usize) -> String {
        let (s, o) = scenario_with(&applicants(n));
        String::from_utf8(report_html(&s, &o)).unwrap()
    }

    #[test]
    fn same_inputs_same_bytes() {
        let (s, o) = scenario_with(&applicants(40));
        assert_eq!(report_html(&s, &o), report_html(&s, &o));
        let (s2, o2) = scenario_with(&applicants(40));
        assert_eq!(report_html(&s, &o), report_html(&s2, &o2));
    }

    #[test]
    fn names_are_escaped() {
        let html = page(12);
        assert!(html.contains("A&lt;&amp;&gt;&quot;B school"), "escaped name missing");
        assert!(!html.contains("A<&>\"B"), "raw name leaked");
        assert!(!html.contains("<Academy>"), "raw private name leaked");
        // The JSON inside <script> cannot close the script element.
        let data = html.split("id=\"report-data\">").nth(1).unwrap();
        let data = &data[..data.find("</script>").unwrap()];
        assert!(!data.contains('<'), "unescaped < in the page data");
        assert!(data.contains("\\u003cAcademy\\u003e"));
    }

    #[test]
    fn chinese_names_verbatim() {
        let html = page(12);
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("北京市第一实验小学"));
        assert!(html.contains("\"Noto Sans CJK SC\""));
    }

    #[test]
    fn page_has_its_parts() {
        let html = page(30);
        for part in [
            "<title>",
            "class=\"zone multi\"",
            "class=\"school\"",
            "class=\"school private\"",
            "class=\"homes st",
            "table class=\"sortable schools\"",
            "class=\"hist\"",
            &crate::lottery::seed_commitment("report test"),
        ] {
            assert!(html.contains(part), "missing {part}");
        }
        assert!(!html.contains("src=\""), "no external resources");
        assert!(!html.contains("<link"), "no external resources");
    }

    #[test]
    fn sampling_above_the_cap() {
        let (s, o) = scenario_with(&applicants(90));
        let all = render(&s, &o, 1_000);
        assert!(
            all.contains("Every applicant's home is drawn (60)."),
            "primary unsampled"
        );
        assert!(!all.contains("Sampled:"));
        let sampled = render(&s, &o, 20);
        // 60 primary applicants, at most 20 drawn: every 3rd.
        assert!(
            sampled.contains("<strong>Sampled:</strong> 1 in 3 applicants (by id) drawn — 20 of 60 homes."),
            "{}",
            &sampled[sampled.find("class=\"note").unwrap()..][..300]
        );
        let dots = |html: &str| html.matches("h0").count();
        assert!(dots(&sampled) < dots(&all));
    }

    #[test]
    fn empty_round_renders() {
        let (s, o) = scenario_with("id,level,lon,lat\n");
        let html = String::from_utf8(report_html(&s, &o)).unwrap();
        assert!(html.contains("Every applicant has a seat."));
        assert!(html.contains("Nobody was placed at this level."));
        assert!(html.contains("<svg id=\"map\""));
        assert!(html.ends_with("</html>\n"));
    }

    #[test]
    fn stages_in_order() {
        for (i, &stage) in STAGES.iter().enumerate() {
            assert_eq!(stage_index(stage), i);
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(metres(812.4), "812 m");
        assert_eq!(metres(1_620.0), "1.62 km");
        assert_eq!(util_colour(Some(0.0)), "#ffffcc");
        assert_eq!(util_colour(Some(1.0)), "#800026");
        assert_eq!(util_colour(None), "#bdbdbd");
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
