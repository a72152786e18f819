//! `catchment compare`: the same round under two catchment maps (or any
//! two scenarios with the same applicants), side by side.
//!
//! Both rounds are ordinary rounds ([`crate::round::run`]); the proposed
//! zones are read through the scenario loader ([`LoadOptions::zones`]), so
//! they get the same validation as any `zones.geojson`. [`compare`] renders
//! the comparison folder's own files:
//! - `changes.csv`: one row per applicant whose outcome differs (school,
//!   stage or distance at 0.1 m), or who is in only one round; sorted by id;
//! - `schools_diff.csv`: every school, before and after;
//! - `compare_summary.json`: the figures a planner asks for first;
//! - `compare.html`: both maps side by side with the changed homes ringed,
//!   and the summary and diff tables.
//!
//! Applicants and schools are matched by id. Like every output, the bytes
//! depend only on the two scenarios' inputs and seeds.
//!
//! [`LoadOptions::zones`]: crate::scenario::LoadOptions::zones

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::output::report::{esc, stage_key, static_level_maps, utilisation_colour, MapRound, STYLE};
use crate::output::summary::distance_stats;
use crate::output::{OutputFile, Table};
use crate::round::{Outcome, Stage};
use crate::scenario::{Level, Scenario};

/// Smallest class counted as large (大班额, 56–65).
pub const LARGE_CLASS: u32 = 56;
/// Smallest class counted as super-large (超大班额, 66 and more).
pub const SUPER_LARGE_CLASS: u32 = 66;
/// Changed applicants listed in `compare.html` at most (`changes.csv` has all).
const HTML_CHANGE_ROWS: usize = 500;

/// One round: a scenario and its outcome.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Its outcome.
    pub outcome: &'a Outcome,
}

/// One applicant id in either round: its index before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// Index in the first round's applicants.
    pub before: Option<usize>,
    /// Index in the second round's applicants.
    pub after: Option<usize>,
}

/// Figures of one round (or one level of it).
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Applicants.
    pub applicants: u64,
    /// Placed applicants' distance statistics (`null` without any).
    pub distance: Value,
    /// Schools with an applicant turned away in their lottery stage.
    pub schools_oversubscribed: u64,
    /// Applicants without a seat.
    pub applicants_unplaced: u64,
    /// Classes of 56–65 pupils (大班额).
    pub large_classes: u64,
    /// Classes of 66 pupils or more (超大班额).
    pub super_large_classes: u64,
}

/// Applicants of both rounds matched by id, in id order.
pub fn pairs(before: &Scenario, after: &Scenario) -> Vec<Pair> {
    let (a, b) = (&before.applicants, &after.applicants);
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    while i < a.len() || j < b.len() {
        let order = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.id.as_bytes().cmp(y.id.as_bytes()),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let pair = match order {
            std::cmp::Ordering::Less => Pair {
                before: Some(i),
                after: None,
            },
            std::cmp::Ordering::Greater => Pair {
                before: None,
                after: Some(j),
            },
            std::cmp::Ordering::Equal => Pair {
                before: Some(i),
                after: Some(j),
            },
        };
        i += usize::from(pair.before.is_some());
        j += usize::from(pair.after.is_some());
        out.push(pair);
    }
    out
}

/// An applicant's outcome as written: school id, stage, distance (0.1 m).
fn outcome_of<'a>(side: Side<'a>, a: Option<usize>) -> (&'a str, &'a str, String) {
    match a {
        None => ("", "", String::new()),
        Some(a) => {
            let p = &side.outcome.placements[a];
            (
                p.school.map_or("", |s| side.scenario.school(s).id.as_str()),
                p.stage.as_str(),
                p.distance_m.map_or(String::new(), |d| format!("{d:.1}")),
            )
        }
    }
}

/// The id and level of an applicant of either round.
fn id_level<'a>(before: Side<'a>, after: Side<'a>, pair: Pair) -> (&'a str, Level) {
    let app = pair
        .after
        .map(|j| &after.scenario.applicants[j])
        .or_else(|| pair.before.map(|i| &before.scenario.applicants[i]));
    // A pair always has a side; [`pairs`] makes no other.
    app.map_or(("", Level::Primary), |a| (a.id.as_str(), a.level))
}

/// True when the applicant's outcome differs between the rounds (school,
/// stage or distance as written), or it is in only one of them.
pub fn changed(before: Side, after: Side, pair: Pair) -> bool {
    outcome_of(before, pair.before) != outcome_of(after, pair.after)
}

/// True when the applicant is in both rounds and its school differs
/// (placed ↔ unplaced included).
pub fn changes_school(before: Side, after: Side, pair: Pair) -> bool {
    match (pair.before, pair.after) {
        (Some(i), Some(j)) => {
            outcome_of(before, Some(i)).0 != outcome_of(after, Some(j)).0
                || before.outcome.placements[i].school.is_none() != after.outcome.placements[j].school.is_none()
        }
        _ => false,
    }
}

/// Sizes of every class formed, per school.
fn class_sizes(side: Side) -> BTreeMap<(u32, u32), u32> {
    let mut sizes = BTreeMap::new();
    for p in &side.outcome.placements {
        if let (Some(s), Some(c)) = (p.school, p.class_no) {
            *sizes.entry((s, c)).or_insert(0u32) += 1;
        }
    }
    sizes
}

/// The figures of a round, for one level or (`None`) all.
pub fn figures(side: Side, level: Option<Level>) -> Figures {
    let in_level = |l: Level| level.is_none_or(|x| x == l);
    let mut distances = Vec::new();
    let (mut applicants, mut unplaced) = (0, 0);
    for (a, p) in side.scenario.applicants.iter().zip(&side.outcome.placements) {
        if !in_level(a.level) {
            continue;
        }
        applicants += 1;
        unplaced += u64::from(p.stage == Stage::Unplaced);
        if let Some(d) = p.distance_m {
            distances.push(d);
        }
    }
    let (mut large, mut super_large) = (0, 0);
    for ((s, _), &n) in &class_sizes(side) {
        if in_level(side.scenario.school(*s).level) {
            large += u64::from((LARGE_CLASS..SUPER_LARGE_CLASS).contains(&n));
            super_large += u64::from(n >= SUPER_LARGE_CLASS);
        }
    }
    let oversubscribed = side
        .scenario
        .schools
        .iter()
        .zip(&side.outcome.schools)
        .filter(|(s, r)| in_level(s.level) && r.oversubscribed)
        .count() as u64;
    Figures {
        applicants,
        distance: distance_stats(&mut distances),
        schools_oversubscribed: oversubscribed,
        applicants_unplaced: unplaced,
        large_classes: large,
        super_large_classes: super_large,
    }
}

impl Figures {
    fn to_json(&self) -> Value {
        json!({
            "applicants": self.applicants,
            "distance_m": self.distance,
            "schools_oversubscribed": self.schools_oversubscribed,
            "applicants_unplaced": self.applicants_unplaced,
            "large_classes_56_65": self.large_classes,
            "super_large_classes_66_plus": self.super_large_classes,
        })
    }
}

/// Counts of applicants and households that change school, for one level
/// or (`None`) all: `(applicants, households, changed rows)`. A household
/// changes school when any of its applicants does.
pub fn change_counts(before: Side, after: Side, pairs: &[Pair], level: Option<Level>) -> (u64, u64, u64) {
    let mut households: BTreeSet<&str> = BTreeSet::new();
    let (mut applicants, mut rows) = (0, 0);
    for &pair in pairs {
        let (_, l) = id_level(before, after, pair);
        if level.is_some_and(|x| x != l) {
            continue;
        }
        rows += u64::from(changed(before, after, pair));
        if changes_school(before, after, pair) {
            applicants += 1;
            if let Some(j) = pair.after {
                households.insert(after.scenario.applicants[j].household.as_str());
            }
        }
    }
    (applicants, households.len() as u64, rows)
}

/// `compare_summary.json`.
pub fn summary_json(before: Side, after: Side, pairs: &[Pair]) -> Vec<u8> {
    let block = |level: Option<Level>| {
        let (apps, households, rows) = change_counts(before, after, pairs, level);
        json!({
            "applicants_changing_school": apps,
            "households_changing_school": households,
            "applicants_in_changes_csv": rows,
            "before": figures(before, level).to_json(),
            "after": figures(after, level).to_json(),
        })
    };
    let mut levels = serde_json::Map::new();
    for level in Level::ALL {
        levels.insert(level.as_str().to_string(), block(Some(level)));
    }
    let mut doc = block(None);
    doc["seed_before"] = before.scenario.policy.seed.clone().into();
    doc["seed_after"] = after.scenario.policy.seed.clone().into();
    doc["inputs_before"] = inputs(before.scenario);
    doc["inputs_after"] = inputs(after.scenario);
    doc["levels"] = Value::Object(levels);
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn inputs(s: &Scenario) -> Value {
    Value::Object(
        s.inputs
            .iter()
            .map(|f| (f.name.clone(), f.sha256.clone().into()))
            .collect(),
    )
}

/// Header of `changes.csv`.
pub const CHANGES_HEADER: [&str; 8] = [
    "applicant_id",
    "level",
    "school_before",
    "school_after",
    "stage_before",
    "stage_after",
    "distance_before",
    "distance_after",
];

/// `changes.csv`: the applicants whose outcome differs, sorted by id.
pub fn changes_csv(before: Side, after: Side, pairs: &[Pair]) -> Vec<u8> {
    let mut w = Table::new(CHANGES_HEADER);
    for &pair in pairs.iter().filter(|&&p| changed(before, after, p)) {
        let (id, level) = id_level(before, after, pair);
        let (s0, st0, d0) = outcome_of(before, pair.before);
        let (s1, st1, d1) = outcome_of(after, pair.after);
        w.row([id, level.as_str(), s0, s1, st0, st1, &d0, &d1]);
    }
    w.finish()
}

/// One school of either round.
struct SchoolPair {
    id: String,
    before: Option<usize>,
    after: Option<usize>,
}

fn school_pairs(before: &Scenario, after: &Scenario) -> Vec<SchoolPair> {
    let mut ids: BTreeMap<&str, (Option<usize>, Option<usize>)> = BTreeMap::new();
    for (i, s) in before.schools.iter().enumerate() {
        ids.entry(s.id.as_str()).or_default().0 = Some(i);
    }
    for (i, s) in after.schools.iter().enumerate() {
        ids.entry(s.id.as_str()).or_default().1 = Some(i);
    }
    ids.into_iter()
        .map(|(id, (before, after))| SchoolPair {
            id: id.to_string(),
            before,
            after,
        })
        .collect()
}

/// A school's figures in one round: capacity, admitted, utilisation (3
/// decimals, empty without seats), oversubscribed, largest class.
fn school_cells(side: Side, s: Option<usize>) -> [String; 5] {
    let Some(s) = s else {
        return Default::default();
    };
    let school = &side.scenario.schools[s];
    let r = &side.outcome.schools[s];
    [
        school.capacity.to_string(),
        r.admitted.to_string(),
        if school.capacity > 0 {
            format!("{:.3}", f64::from(r.admitted) / f64::from(school.capacity))
        } else {
            String::new()
        },
        r.oversubscribed.to_string(),
        r.largest_class.to_string(),
    ]
}

/// Header of `schools_diff.csv`.
pub const SCHOOLS_DIFF_HEADER: [&str; 14] = [
    "school_id",
    "name",
    "level",
    "sector",
    "capacity_before",
    "capacity_after",
    "admitted_before",
    "admitted_after",
    "utilisation_before",
    "utilisation_after",
    "oversubscribed_before",
    "oversubscribed_after",
    "largest_class_before",
    "largest_class_after",
];

/// `schools_diff.csv`: every school of either round, sorted by id.
pub fn schools_diff_csv(before: Side, after: Side) -> Vec<u8> {
    let mut w = Table::new(SCHOOLS_DIFF_HEADER);
    for sp in school_pairs(before.scenario, after.scenario) {
        let school = sp
            .after
            .map(|i| &after.scenario.schools[i])
            .or_else(|| sp.before.map(|i| &before.scenario.schools[i]));
        let Some(school) = school else { continue };
        let b = school_cells(before, sp.before);
        let a = school_cells(after, sp.after);
        let [b0, b1, b2, b3, b4] = &b;
        let [a0, a1, a2, a3, a4] = &a;
        w.row([
            sp.id.as_str(),
            school.name.as_str(),
            school.level.as_str(),
            school.sector.as_str(),
            b0,
            a0,
            b1,
            a1,
            b2,
            a2,
            b3,
            a3,
            b4,
            a4,
        ]);
    }
    w.finish()
}

/// Every file of the comparison folder (the two run folders aside).
pub fn compare(before: Side, after: Side) -> Vec<OutputFile> {
    let pairs = pairs(before.scenario, after.scenario);
    vec![
        OutputFile {
            name: "changes.csv",
            bytes: changes_csv(before, after, &pairs),
        },
        OutputFile {
            name: "schools_diff.csv",
            bytes: schools_diff_csv(before, after),
        },
        OutputFile {
            name: "compare_summary.json",
            bytes: summary_json(before, after, &pairs),
        },
        OutputFile {
            name: "compare.html",
            bytes: compare_html(before, after, &pairs).into_bytes(),
        },
    ]
}

// ------------------------------------------------------------ the page

const EXTRA_STYLE: &str = r#".pair{display:flex;gap:14px;flex-wrap:wrap;margin:8px 0 4px}
.pair figure{flex:1 1 420px;min-width:0;margin:0;border:1px solid var(--line);border-radius:6px;background:#fbfcfd;overflow:hidden}
.pair figcaption{font-weight:600;padding:6px 10px;border-bottom:1px solid var(--line);background:var(--panel)}
.cmap{display:block;width:100%;height:auto}
.homes-layer.dim{opacity:.35}
.changed-layer .ring{fill:none;stroke:#111;stroke-width:7.5px;stroke-linecap:round;vector-effect:non-scaling-stroke}
.changed-layer .homes{stroke-width:4.4px}
.keyrow{display:flex;flex-wrap:wrap;gap:4px 18px;font-size:.9rem;margin:6px 0 18px;align-items:center}
.keyrow span{display:inline-flex;align-items:center;gap:6px}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;background:var(--c)}
.dot.ringed{box-shadow:0 0 0 2.5px #111}
.sw{display:inline-block;width:14px;height:14px;border-radius:50%;border:1px solid #2b2b2b}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.up{color:#a50f15;font-weight:600}td.down{color:#1b7837;font-weight:600}
tr.moved td{background:#fff8e1}
.note{color:var(--muted);font-size:.9rem}
"#;

fn compare_html(before: Side, after: Side, pairs: &[Pair]) -> String {
    let mut out = String::with_capacity(256 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Catchment map comparison — {}</title>\n<style>\n{STYLE}{EXTRA_STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(&after.scenario.policy.seed)
    );
    out.push_str("<header>\n<h1>Catchment map comparison</h1>\n");
    let zones = |s: &Scenario| {
        s.inputs
            .iter()
            .find(|f| f.name == "zones.geojson")
            .map_or("none".to_string(), |f| f.sha256[..12].to_string())
    };
    let _ = writeln!(
        out,
        "<p class=\"note\">The same round run twice: <strong>before</strong> with the current map \
         (zones.geojson sha256 {}…), <strong>after</strong> with the proposed one (sha256 {}…). \
         Seed before: <code>{}</code>; after: <code>{}</code>. Each round's full report is \
         <a href=\"before/report.html\">before/report.html</a> and <a href=\"after/report.html\">after/report.html</a>.</p>",
        zones(before.scenario),
        zones(after.scenario),
        esc(&before.scenario.policy.seed),
        esc(&after.scenario.policy.seed)
    );
    out.push_str("</header>\n");
    summary_section(&mut out, before, after, pairs);
    let levels: Vec<Level> = Level::ALL
        .into_iter()
        .filter(|&l| {
            [before, after].iter().any(|s| {
                s.scenario.applicants.iter().any(|a| a.level == l) || s.scenario.zones.iter().any(|z| z.level == l)
            })
        })
        .collect();
    for level in levels {
        maps_section(&mut out, before, after, pairs, level);
    }
    schools_section(&mut out, before, after);
    changes_section(&mut out, before, after, pairs);
    out.push_str("<footer><p>Written by catchment ");
    out.push_str(env!("CARGO_PKG_VERSION"));
    out.push_str(
        ". Applicant ids are pseudonymous; this page holds no other personal data. \
         The same inputs and seeds give this page byte for byte.</p></footer>\n</main>\n</body>\n</html>\n",
    );
    out
}

/// A change as a table cell; coloured green when it is an improvement
/// (lower is better), red when worse, plain when neither applies.
fn delta_cell(b: f64, a: f64, lower_is_better: Option<bool>) -> String {
    let d = a - b;
    if d.abs() < 0.5 {
        return "<td class=\"num\">0</td>".to_string();
    }
    let class = match lower_is_better {
        Some(lower) if (d < 0.0) == lower => " down",
        Some(_) => " up",
        None => "",
    };
    format!(
        "<td class=\"num{class}\">{}{:.0}</td>",
        if d > 0.0 { "+" } else { "−" },
        d.abs()
    )
}

fn summary_section(out: &mut String, before: Side, after: Side, pairs: &[Pair]) {
    out.push_str("<section id=\"summary\" aria-labelledby=\"sum-h\">\n<h2 id=\"sum-h\">What changes</h2>\n");
    let (apps, households, rows) = change_counts(before, after, pairs, None);
    let _ = writeln!(
        out,
        "<p><strong>{apps}</strong> applicants in <strong>{households}</strong> households change school; \
         {rows} applicants have some change of school, stage or distance (all listed in <code>changes.csv</code>).</p>"
    );
    out.push_str(
        "<div class=\"tablewrap\"><table><thead><tr><th>measure</th><th>level</th><th class=\"num\">before</th>\
         <th class=\"num\">after</th><th class=\"num\">change</th></tr></thead><tbody>\n",
    );
    for level in [None, Some(Level::Primary), Some(Level::Junior)] {
        let (b, a) = (figures(before, level), figures(after, level));
        if level.is_some() && b.applicants == 0 && a.applicants == 0 {
            continue;
        }
        let name = level.map_or("all", Level::as_str);
        let dist = |f: &Figures, k: &str| f.distance.get(k).and_then(Value::as_f64);
        for (label, key) in [
            ("mean distance, m", "mean"),
            ("90th percentile distance, m", "p90"),
            ("longest distance, m", "max"),
        ] {
            let (x, y) = (dist(&b, key), dist(&a, key));
            let show = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.0}"));
            let _ = writeln!(
                out,
                "<tr><td>{label}</td><td>{name}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}</tr>",
                show(x),
                show(y),
                match (x, y) {
                    (Some(x), Some(y)) => delta_cell(x, y, Some(true)),
                    _ => "<td></td>".to_string(),
                }
            );
        }
        for (label, x, y) in [
            (
                "schools oversubscribed",
                b.schools_oversubscribed,
                a.schools_oversubscribed,
            ),
            ("applicants unplaced", b.applicants_unplaced, a.applicants_unplaced),
            ("large classes 大班额 (56–65)", b.large_classes, a.large_classes),
            (
                "super-large classes 超大班额 (66+)",
                b.super_large_classes,
                a.super_large_classes,
            ),
        ] {
            let _ = writeln!(
                out,
                "<tr><td>{label}</td><td>{name}</td><td class=\"num\">{x}</td><td class=\"num\">{y}</td>{}</tr>",
                delta_cell(x as f64, y as f64, Some(true))
            );
        }
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

fn maps_section(out: &mut String, before: Side, after: Side, pairs: &[Pair], level: Level) {
    let mut hb = vec![false; before.scenario.applicants.len()];
    let mut ha = vec![false; after.scenario.applicants.len()];
    let mut moved = 0;
    for &p in pairs {
        if changes_school(before, after, p) {
            if let (Some(i), Some(j)) = (p.before, p.after) {
                hb[i] = true;
                ha[j] = true;
                moved += u64::from(after.scenario.applicants[j].level == level);
            }
        }
    }
    let maps = static_level_maps(
        &[
            MapRound {
                scenario: before.scenario,
                outcome: before.outcome,
                highlight: &hb,
            },
            MapRound {
                scenario: after.scenario,
                outcome: after.outcome,
                highlight: &ha,
            },
        ],
        level,
        &[
            &format!("{} map before", level.as_str()),
            &format!("{} map after", level.as_str()),
        ],
    );
    let _ = writeln!(
        out,
        "<section id=\"map-{0}\" aria-labelledby=\"map-{0}-h\">\n<h2 id=\"map-{0}-h\">Maps: {0}</h2>\n\
         <p class=\"note\">{moved} {0} applicants change school; their homes are ringed in black on both maps, \
         in the colour of the stage that placed them in that round. Other homes are dimmed.</p>\n<div class=\"pair\">",
        level.as_str()
    );
    for (caption, svg) in ["Before: current map", "After: proposed map"].iter().zip(&maps) {
        let _ = writeln!(out, "<figure><figcaption>{caption}</figcaption>{svg}</figure>");
    }
    out.push_str("</div>\n<div class=\"keyrow\">");
    for st in [Stage::PrivateLottery, Stage::Zone, Stage::Fallback, Stage::Unplaced] {
        let (i, name) = stage_key(st);
        let _ = write!(out, "<span><i class=\"dot st{i}\"></i>{}</span>", esc(name));
    }
    let (zi, _) = stage_key(Stage::Zone);
    let _ = write!(
        out,
        "<span><i class=\"dot st{zi} ringed\"></i>changes school</span>\
         <span><i class=\"sw\" style=\"background:{}\"></i><i class=\"sw\" style=\"background:{}\"></i>\
         <i class=\"sw\" style=\"background:{}\"></i>school: seats filled 50 % · 90 % · 100 %</span>\
         <span>hatched: multi-school zone</span></div>\n</section>\n",
        utilisation_colour(1, 2),
        utilisation_colour(9, 10),
        utilisation_colour(1, 1),
    );
}

fn schools_section(out: &mut String, before: Side, after: Side) {
    out.push_str(
        "<section id=\"schools\" aria-labelledby=\"sch-h\">\n<h2 id=\"sch-h\">Schools</h2>\n\
         <p class=\"note\">Schools whose intake changes are shaded. Full table: <code>schools_diff.csv</code>.</p>\n\
         <div class=\"tablewrap\"><table class=\"schools\"><thead><tr><th>school</th><th>name</th><th>level</th>\
         <th class=\"num\">seats</th><th class=\"num\">pupils before</th><th class=\"num\">after</th><th class=\"num\">change</th>\
         <th class=\"num\">filled before</th><th class=\"num\">after</th><th>oversubscribed before → after</th>\
         <th class=\"num\">largest class before</th><th class=\"num\">after</th></tr></thead><tbody>\n",
    );
    for sp in school_pairs(before.scenario, after.scenario) {
        let b = school_cells(before, sp.before);
        let a = school_cells(after, sp.after);
        let school = sp
            .after
            .map(|i| &after.scenario.schools[i])
            .or_else(|| sp.before.map(|i| &before.scenario.schools[i]));
        let Some(school) = school else { continue };
        let num = |s: &str| s.parse::<f64>().unwrap_or(0.0);
        let pct = |s: &str| {
            if s.is_empty() {
                "—".to_string()
            } else {
                format!("{:.0} %", num(s) * 100.0)
            }
        };
        let yes = |s: &str| if s == "true" { "yes" } else { "no" };
        let _ = writeln!(
            out,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{} → {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            if b[1] != a[1] { " class=\"moved\"" } else { "" },
            esc(&sp.id),
            esc(&school.name),
            school.level.as_str(),
            if a[0].is_empty() { &b[0] } else { &a[0] },
            b[1],
            a[1],
            delta_cell(num(&b[1]), num(&a[1]), None),
            pct(&b[2]),
            pct(&a[2]),
            yes(&b[3]),
            yes(&a[3]),
            b[4],
            a[4],
        );
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

fn changes_section(out: &mut String, before: Side, after: Side, pairs: &[Pair]) {
    let changed: Vec<Pair> = pairs.iter().copied().filter(|&p| changed(before, after, p)).collect();
    let _ = writeln!(
        out,
        "<section id=\"changes\" aria-labelledby=\"chg-h\">\n<h2 id=\"chg-h\">Applicants whose outcome changes</h2>\n\
         <p class=\"note\">{} applicants{}. Full list: <code>changes.csv</code>.</p>",
        changed.len(),
        if changed.len() > HTML_CHANGE_ROWS {
            format!("; the first {HTML_CHANGE_ROWS} by id are shown")
        } else {
            String::new()
        }
    );
    if changed.is_empty() {
        out.push_str("</section>\n");
        return;
    }
    out.push_str(
        "<div class=\"tablewrap\"><table><thead><tr><th>applicant</th><th>level</th><th>school before</th>\
         <th>school after</th><th>stage before</th><th>stage after</th><th class=\"num\">distance before, m</th>\
         <th class=\"num\">after, m</th></tr></thead><tbody>\n",
    );
    for &pair in changed.iter().take(HTML_CHANGE_ROWS) {
        let (id, level) = id_level(before, after, pair);
        let (s0, st0, d0) = outcome_of(before, pair.before);
        let (s1, st1, d1) = outcome_of(after, pair.after);
        let dash = |s: &str| if s.is_empty() { "—".to_string() } else { esc(s) };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(id),
            level.as_str(),
            dash(s0),
            dash(s1),
            dash(st0),
            dash(st1),
            dash(&d0),
            dash(&d1)
        );
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}
