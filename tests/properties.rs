//! Property tests of whole rounds on small random scenarios.
//!
//! Each case is generated as a [`Model`]: schools, zones, applicants and a
//! policy as plain values, written out as the four files of a scenario
//! folder (`schools.csv`, `applicants.csv`, `zones.geojson`, `policy.toml`)
//! and loaded with `scenario::load`, exactly as a user's folder would be.
//! Zones are grid rectangles, a third of them concave (a corner notch) and
//! a third with a hole, with homes on their edges and reflex vertices.
//! The model is small on purpose (1–2 levels, 2–8 public schools of 0–3
//! classes of 2–5 pupils, 0–40 applicants, and 41–300 in one case in ten) so schools are often
//! oversubscribed and every stage has work to do. Ids are chosen so that
//! byte order and numeric order differ ("a10" < "a9", "Z15" < "Z8").
//!
//! The oracles here are written from the spec, not from the library: zone
//! lookup, preference lists, tickets, a textbook deferred acceptance, a
//! brute-force blocking-pair search and a step-by-step fallback. They only
//! use `catchment::distance::haversine` and `catchment::lottery::ticket`,
//! whose values the spec fixes.
//!
//! Properties (each checked to fail when the library is broken on purpose):
//! 1. the independent checker `audit` (from the files) and
//!    `invariants::check` find nothing;
//! 2. the private stage and stage 2 have no blocking pair (brute force);
//! 3. both equal a textbook deferred acceptance (also with one-member
//!    groups drawn together);
//! 4. outputs are byte-identical whatever the order of rows, columns and
//!    features, with CRLF and a BOM;
//! 5. outputs are byte-identical with 1 and 4 rayon threads;
//! 6. rule nearest: nobody could have had a nearer seat;
//! 7. the fallback equals a step-by-step simulation (groups, limits, none);
//! 8. each applicant's zone, ticket, distance, class and assignments row;
//! 9. `lottery.csv`, `schools.csv` and `summary.json` counts;
//! 10. a written run folder passes `verify`;
//! 11. under rule `optimal`, `fallback.rule = "optimal"` and a distance
//!     matrix with missing pairs, the independent checker finds nothing
//!     (its optimality certificate, stability and fallback replay).
//!
//! `PROPTEST_CASES=20000 cargo test --test properties` runs a long search.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use catchment::distance::haversine;
use catchment::lottery::{ticket, Ticket};
use catchment::output;
use catchment::round::{self, Outcome, Stage};
use catchment::scenario::{self, LoadOptions, Scenario};
use catchment::{audit, invariants};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

mod common;
use common::proptest_config as config;

// ---------------------------------------------------------------------------
// The model of a scenario
// ---------------------------------------------------------------------------

const LEVELS: [&str; 2] = ["primary", "junior"];
const BASE: (f64, f64) = (116.4, 39.9);
/// Grid step, degrees: homes sit on multiples of it (0..=40), schools on
/// multiples of four, zone corners on even multiples, so some homes lie exactly on a zone's
/// boundary and some schools at exactly the same distance from a home.
const STEP: f64 = 0.00125;
const SEEDS: [&str; 4] = [
    "s",
    "2027 primary round, published 2027-04-30",
    "种子 \"quoted\" \\ seed",
    "seed-2",
];
const NAMES: [&str; 5] = ["第一小学", "East, \"new\" campus", "Plain", "", "实验中学"];
const MAX_DISTANCES: [f64; 3] = [400.0, 1000.0, 2500.5];

fn point(x: u32, y: u32) -> (f64, f64) {
    (BASE.0 + f64::from(x) * STEP, BASE.1 + f64::from(y) * STEP)
}

#[derive(Clone)]
struct School {
    id: String,
    name: String,
    level: usize,
    public: bool,
    at: (f64, f64),
    classes: u32,
    class_cap: Option<u32>,
    reserved: Option<u32>,
}

#[derive(Clone)]
struct Zone {
    id: String,
    level: usize,
    schools: Vec<usize>,
    /// lon0, lat0, lon1, lat1.
    rect: [f64; 4],
    multipolygon: bool,
    /// A part cut out of the rectangle, so that zones are also concave or
    /// have holes.
    cut: Option<Cut>,
}

/// What is cut out of a zone's rectangle.
#[derive(Clone, Copy)]
enum Cut {
    /// The corner quadrant above and right of (lon, lat), a point inside
    /// the rectangle: an L-shaped, concave zone with a reflex vertex there.
    Notch(f64, f64),
    /// A hole strictly inside the rectangle: lon0, lat0, lon1, lat1.
    Hole([f64; 4]),
}

impl Zone {
    /// Whether the zone covers a point (boundary included), from the shape
    /// alone: the closed rectangle less the open cut (a notch's cut also
    /// takes the rectangle's own edges beside it).
    fn covers(&self, lon: f64, lat: f64) -> bool {
        let [x0, y0, x1, y1] = self.rect;
        let in_rect = x0 <= lon && lon <= x1 && y0 <= lat && lat <= y1;
        let cut = match self.cut {
            None => false,
            Some(Cut::Notch(cx, cy)) => lon > cx && lat > cy,
            Some(Cut::Hole([hx0, hy0, hx1, hy1])) => hx0 < lon && lon < hx1 && hy0 < lat && lat < hy1,
        };
        in_rect && !cut
    }

    /// The GeoJSON geometry: exterior ring counter-clockwise, a hole
    /// clockwise.
    fn geometry(&self) -> String {
        let [x0, y0, x1, y1] = self.rect;
        let ring = |points: &[(f64, f64)]| {
            let cells: Vec<String> = points.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
            format!("[{}]", cells.join(","))
        };
        let rings = match self.cut {
            None => ring(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
            Some(Cut::Notch(cx, cy)) => ring(&[(x0, y0), (x1, y0), (x1, cy), (cx, cy), (cx, y1), (x0, y1), (x0, y0)]),
            Some(Cut::Hole([hx0, hy0, hx1, hy1])) => format!(
                "{},{}",
                ring(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
                ring(&[(hx0, hy0), (hx0, hy1), (hx1, hy1), (hx1, hy0), (hx0, hy0)])
            ),
        };
        if self.multipolygon {
            format!("{{\"type\":\"MultiPolygon\",\"coordinates\":[[{rings}]]}}")
        } else {
            format!("{{\"type\":\"Polygon\",\"coordinates\":[{rings}]}}")
        }
    }
}

#[derive(Clone)]
struct Applicant {
    id: String,
    level: usize,
    home: (f64, f64),
    household: Option<String>,
    priority: Option<u32>,
    zone: Option<usize>,
    private_choices: Vec<usize>,
    public_choices: Vec<usize>,
    group: Option<String>,
}

#[derive(Clone)]
struct Policy {
    seed: String,
    rule_zone: bool,
    multiple: bool,
    together: bool,
    fallback: bool,
    max_distance_m: Option<f64>,
    max_class_size: [u32; 2],
    max_private_choices: Option<u32>,
}

#[derive(Clone)]
struct Model {
    schools: Vec<School>,
    zones: Vec<Zone>,
    applicants: Vec<Applicant>,
    policy: Policy,
}

/// On failure proptest prints the case: print the scenario folder itself.
impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files = self.files(&Variant::plain());
        for (name, bytes) in &files {
            writeln!(f, "----- {name}")?;
            writeln!(f, "{}", String::from_utf8_lossy(bytes))?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Writing the files
// ---------------------------------------------------------------------------

/// How to write a model out: the canonical files, or rows, columns and
/// features permuted with CRLF line ends and a BOM.
#[derive(Clone, Debug)]
struct Variant {
    shuffle: Option<u64>,
    crlf_bom: bool,
}

impl Variant {
    fn plain() -> Self {
        Variant {
            shuffle: None,
            crlf_bom: false,
        }
    }
}

/// splitmix64, for permutations that depend only on a generated number.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or(String::new(), T::to_string)
}

fn render_csv(header: &[&str], rows: &[Vec<String>], mix: Option<&mut Mix>, crlf_bom: bool) -> Vec<u8> {
    let mut cols: Vec<usize> = (0..header.len()).collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    if let Some(mix) = mix {
        mix.shuffle(&mut cols);
        mix.shuffle(&mut order);
    }
    let eol = if crlf_bom { "\r\n" } else { "\n" };
    let mut text = String::new();
    if crlf_bom {
        text.push('\u{feff}');
    }
    let line = |cells: Vec<String>| cells.join(",");
    text.push_str(&line(cols.iter().map(|&c| csv_cell(header[c])).collect()));
    text.push_str(eol);
    for &r in &order {
        text.push_str(&line(cols.iter().map(|&c| csv_cell(&rows[r][c])).collect()));
        text.push_str(eol);
    }
    text.into_bytes()
}

impl Model {
    fn files(&self, variant: &Variant) -> Vec<(&'static str, Vec<u8>)> {
        let mut mix = variant.shuffle.map(Mix);
        let school_rows: Vec<Vec<String>> = self
            .schools
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    s.name.clone(),
                    LEVELS[s.level].to_string(),
                    if s.public { "public" } else { "private" }.to_string(),
                    s.at.0.to_string(),
                    s.at.1.to_string(),
                    s.classes.to_string(),
                    opt(&s.class_cap),
                    opt(&s.reserved),
                ]
            })
            .collect();
        let schools = render_csv(
            &[
                "id",
                "name",
                "level",
                "sector",
                "lon",
                "lat",
                "classes",
                "class_cap",
                "reserved",
            ],
            &school_rows,
            mix.as_mut(),
            variant.crlf_bom,
        );
        let ids = |list: &[usize]| {
            list.iter()
                .map(|&s| self.schools[s].id.as_str())
                .collect::<Vec<_>>()
                .join(";")
        };
        let applicant_rows: Vec<Vec<String>> = self
            .applicants
            .iter()
            .map(|a| {
                vec![
                    a.id.clone(),
                    LEVELS[a.level].to_string(),
                    a.home.0.to_string(),
                    a.home.1.to_string(),
                    opt(&a.household),
                    opt(&a.priority),
                    a.zone.map_or(String::new(), |z| self.zones[z].id.clone()),
                    ids(&a.private_choices),
                    ids(&a.public_choices),
                    opt(&a.group),
                ]
            })
            .collect();
        let applicants = render_csv(
            &[
                "id",
                "level",
                "lon",
                "lat",
                "household",
                "priority",
                "zone",
                "private_choices",
                "public_choices",
                "group",
            ],
            &applicant_rows,
            mix.as_mut(),
            variant.crlf_bom,
        );
        let mut features: Vec<String> = self
            .zones
            .iter()
            .map(|z| {
                let geometry = z.geometry();
                let mut members: Vec<String> = z
                    .schools
                    .iter()
                    .map(|&s| serde_json::to_string(&self.schools[s].id).unwrap())
                    .collect();
                if let Some(mix) = mix.as_mut() {
                    mix.shuffle(&mut members);
                }
                format!(
                    "{{\"type\":\"Feature\",\"properties\":{{\"id\":{},\"level\":\"{}\",\"schools\":[{}]}},\"geometry\":{geometry}}}",
                    serde_json::to_string(&z.id).unwrap(),
                    LEVELS[z.level],
                    members.join(",")
                )
            })
            .collect();
        if let Some(mix) = mix.as_mut() {
            mix.shuffle(&mut features);
        }
        let eol = if variant.crlf_bom { "\r\n" } else { "\n" };
        let bom = if variant.crlf_bom { "\u{feff}" } else { "" };
        let zones = format!(
            "{bom}{{\"type\":\"FeatureCollection\",\"features\":[{eol}{}{eol}]}}{eol}",
            features.join(&format!(",{eol}"))
        );
        let p = &self.policy;
        let mut policy = vec![
            format!("seed = {}", toml_string(&p.seed)),
            format!("rule = \"{}\"", if p.rule_zone { "zone" } else { "nearest" }),
            format!("tie_breaking = \"{}\"", if p.multiple { "multiple" } else { "single" }),
            format!("groups = \"{}\"", if p.together { "together" } else { "separate" }),
        ];
        if let Some(m) = p.max_private_choices {
            policy.push(format!("max_private_choices = {m}"));
        }
        policy.push("[fallback]".to_string());
        policy.push(format!(
            "rule = \"{}\"",
            if p.fallback { "nearest_vacancy" } else { "none" }
        ));
        if let Some(d) = p.max_distance_m {
            policy.push(format!("max_distance_m = {d:?}"));
        }
        for (level, name) in LEVELS.iter().enumerate() {
            policy.push(format!("[levels.{name}]"));
            policy.push(format!("max_class_size = {}", p.max_class_size[level]));
        }
        let policy = format!("{bom}{}{eol}", policy.join(eol));
        vec![
            ("schools.csv", schools),
            ("applicants.csv", applicants),
            ("zones.geojson", zones.into_bytes()),
            ("policy.toml", policy.into_bytes()),
        ]
    }

    /// Writes the folder and loads it.
    fn load(&self, variant: &Variant) -> Result<Scenario, TestCaseError> {
        let dir = self.write(variant)?;
        load_dir(dir.path())
    }

    /// Writes the scenario folder into a new temporary folder.
    fn write(&self, variant: &Variant) -> Result<tempfile::TempDir, TestCaseError> {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (name, bytes) in self.files(variant) {
            std::fs::write(dir.path().join(name), bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        Ok(dir)
    }
}

fn load_dir(dir: &Path) -> Result<Scenario, TestCaseError> {
    scenario::load(dir, &LoadOptions::default()).map_err(|e| {
        let detail = match &e {
            catchment::error::Error::Input(d) => d.sorted().iter().map(|d| format!("\n  {d}")).collect(),
            _ => String::new(),
        };
        TestCaseError::fail(format!("a generated scenario does not load: {e}{detail}"))
    })
}

// ---------------------------------------------------------------------------
// Generating models
// ---------------------------------------------------------------------------

/// x, y (in four grid steps, so schools share places now and then),
/// classes, class_cap, reserved, zone pick, name pick.
type RawPublic = (u32, u32, u32, Option<u32>, Option<u32>, Option<u8>, u8);
/// x, y (in four grid steps), classes, class_cap, reserved, name pick.
type RawPrivate = (u32, u32, u32, Option<u32>, Option<u32>, u8);
/// x0, y0, width, height (in two grid steps), written as a MultiPolygon.
/// x, y, width, height (in zone-corner units), shape: MultiPolygon when a
/// multiple of 5, cut by its remainder mod 3 (none, notch, hole).
type RawZone = (u32, u32, u32, u32, u8);
type RawLevel = (Vec<RawPublic>, Vec<RawPrivate>, Vec<RawZone>);
/// level bit, x, y, priority, zone override, private picks, public picks,
/// group, copy the group's first member, household.
type RawApplicant = (
    bool,
    u32,
    u32,
    Option<u32>,
    Option<u8>,
    Vec<u8>,
    Vec<u8>,
    Option<u8>,
    bool,
    Option<u8>,
);
/// seed, zone rule, multiple, together, fallback, max distance (a round
/// number, or exactly some applicant's distance to some school, to test
/// "within" as ≤), class sizes, max_private_choices.
type RawPolicy = (usize, bool, bool, bool, bool, Option<u8>, u32, u32, Option<u32>);

/// Settings a property needs fixed.
#[derive(Clone, Copy, Default)]
struct Force {
    rule_zone: Option<bool>,
    together: Option<bool>,
    fallback: Option<bool>,
    /// `Some(false)`: no max_distance_m.
    max_distance: Option<bool>,
    /// Every group id used once: one-member groups, drawn as plain
    /// applicants (spec §8).
    lone_groups: bool,
}

fn raw_level() -> impl Strategy<Value = RawLevel> {
    let class_cap = prop::option::weighted(0.3, 1..=6u32);
    let reserved = prop::option::weighted(0.3, 0..=3u32);
    let public = (
        0..=10u32,
        0..=10u32,
        0..=3u32,
        class_cap.clone(),
        reserved.clone(),
        prop::option::weighted(0.85, any::<u8>()),
        any::<u8>(),
    );
    let private = (0..=10u32, 0..=10u32, 0..=3u32, class_cap, reserved, any::<u8>());
    let zone = (0..=19u32, 0..=19u32, 1..=8u32, 1..=8u32, 0..15u8);
    (
        prop::collection::vec(public, 2..=8),
        prop::collection::vec(private, 0..=2),
        prop::collection::vec(zone, 1..=4),
    )
}

fn picks(some: f64, max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::bool::weighted(some)
        .prop_flat_map(move |b| prop::collection::vec(any::<u8>(), if b { 1..=max } else { 0..=0 }))
}

fn raw_applicant() -> impl Strategy<Value = RawApplicant> {
    (
        any::<bool>(),
        0..=40u32,
        0..=40u32,
        prop::option::weighted(0.7, 1..=3u32),
        prop::option::weighted(0.15, any::<u8>()),
        picks(0.35, 2),
        picks(0.4, 3),
        prop::option::weighted(0.3, 0..=4u8),
        prop::bool::weighted(0.7),
        prop::option::weighted(0.2, 0..=5u8),
    )
}

fn raw_policy() -> impl Strategy<Value = RawPolicy> {
    (
        0..SEEDS.len(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.8),
        prop::option::weighted(0.35, any::<u8>()),
        2..=5u32,
        2..=5u32,
        prop::option::weighted(0.2, 1..=2u32),
    )
}

fn arb_model(force: Force) -> impl Strategy<Value = Model> {
    (
        0..3usize,
        raw_level(),
        raw_level(),
        // Mostly small rounds, where every stage is crowded; one case in
        // ten has a few hundred applicants.
        prop_oneof![
            9 => prop::collection::vec(raw_applicant(), 0..=40),
            1 => prop::collection::vec(raw_applicant(), 41..=300),
        ],
        raw_policy(),
    )
        .prop_map(move |(levels, l0, l1, apps, policy)| build(force, levels, [l0, l1], apps, policy))
}

/// School numbers: byte order and numeric order disagree.
fn school_id(k: usize) -> String {
    let n = (k * 37 + 9) % 101;
    if k % 7 == 6 {
        format!("校{n}")
    } else {
        format!("s{n}")
    }
}

fn applicant_id(j: usize) -> String {
    // A permutation of each block of 101, so ids stay unique past 101.
    let n = (j * 37 + 3) % 101 + 101 * (j / 101);
    if j % 5 == 4 {
        format!("A{n}")
    } else {
        format!("a{n}")
    }
}

fn zone_id(z: usize) -> String {
    format!("Z{}", (z * 7 + 1) % 23)
}

fn build(force: Force, levels: usize, raw: [RawLevel; 2], apps: Vec<RawApplicant>, policy: RawPolicy) -> Model {
    // 0: primary only, 1: junior only, 2: both.
    let used: Vec<usize> = match levels {
        0 => vec![0],
        1 => vec![1],
        _ => vec![0, 1],
    };
    let mut schools = Vec::new();
    let mut zones = Vec::new();
    for &level in &used {
        let (publics, privates, rects) = &raw[level];
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); rects.len()];
        for &(x, y, classes, class_cap, reserved, zone, name) in publics {
            let k = schools.len();
            if let Some(z) = zone {
                members[z as usize % rects.len()].push(k);
            }
            schools.push(School {
                id: school_id(k),
                name: NAMES[name as usize % NAMES.len()].to_string(),
                level,
                public: true,
                at: point(4 * x, 4 * y),
                classes,
                class_cap,
                reserved,
            });
        }
        for &(x, y, classes, class_cap, reserved, name) in privates {
            let k = schools.len();
            schools.push(School {
                id: school_id(k),
                name: NAMES[name as usize % NAMES.len()].to_string(),
                level,
                public: false,
                at: point(4 * x, 4 * y),
                classes,
                class_cap,
                reserved,
            });
        }
        for (&(x0, y0, w, h, shape), members) in rects.iter().zip(members) {
            if members.is_empty() {
                continue;
            }
            let (x1, y1) = ((x0 + w).min(20), (y0 + h).min(20));
            let (lo, hi) = (point(2 * x0, 2 * y0), point(2 * x1, 2 * y1));
            // Cut corners sit on the homes' grid too, so that some homes lie
            // exactly on a notch's edges, its reflex vertex or a hole's rim.
            let cut = match shape % 3 {
                1 => {
                    let (cx, cy) = point(x0 + x1, y0 + y1);
                    Some(Cut::Notch(cx, cy))
                }
                2 if x1 >= x0 + 2 && y1 >= y0 + 2 => {
                    let (a, b) = (point(2 * x0 + 1, 2 * y0 + 1), point(2 * x1 - 1, 2 * y1 - 1));
                    Some(Cut::Hole([a.0, a.1, b.0, b.1]))
                }
                _ => None,
            };
            zones.push(Zone {
                id: zone_id(zones.len()),
                level,
                schools: members,
                rect: [lo.0, lo.1, hi.0, hi.1],
                multipolygon: shape % 5 == 0,
                cut,
            });
        }
    }
    let (seed, rule_zone, multiple, together, fallback, max_distance, mcs0, mcs1, max_private) = policy;
    let policy = Policy {
        seed: SEEDS[seed].to_string(),
        rule_zone: force.rule_zone.unwrap_or(rule_zone),
        multiple,
        together: force.together.unwrap_or(together),
        fallback: force.fallback.unwrap_or(fallback),
        max_distance_m: None,
        max_class_size: [mcs0, mcs1],
        max_private_choices: max_private,
    };
    let mut model = Model {
        schools,
        zones,
        applicants: Vec::new(),
        policy,
    };
    let mut first_of_group: HashMap<String, usize> = HashMap::new();
    for (j, (level_bit, x, y, priority, zone, private, public, group, copy, household)) in apps.into_iter().enumerate()
    {
        let level = used[usize::from(level_bit) % used.len()];
        let zones_here: Vec<usize> = (0..model.zones.len())
            .filter(|&z| model.zones[z].level == level)
            .collect();
        let of_level = |public: bool| -> Vec<usize> {
            (0..model.schools.len())
                .filter(|&s| model.schools[s].level == level && model.schools[s].public == public)
                .collect()
        };
        let (privates, publics) = (of_level(false), of_level(true));
        let home = point(x, y);
        let zone = zone.and_then(|b| (!zones_here.is_empty()).then(|| zones_here[b as usize % zones_here.len()]));
        let located = zone.or_else(|| model.lookup_zone(level, home));
        let mut private_choices: Vec<usize> = Vec::new();
        if !privates.is_empty() {
            for b in private {
                let s = privates[b as usize % privates.len()];
                if !private_choices.contains(&s) {
                    private_choices.push(s);
                }
            }
        }
        // Mostly schools of the applicant's zone; now and then any public
        // school of its level (ignored with a warning), or one twice.
        let public_choices: Vec<usize> = public
            .into_iter()
            .map(|b| match located {
                Some(z) if b & 0x80 == 0 => {
                    let list = &model.zones[z].schools;
                    list[b as usize % list.len()]
                }
                _ => publics[b as usize % publics.len()],
            })
            .collect();
        let group = group.map(|g| match force.lone_groups {
            true => format!("g{g}-{j}"),
            false => format!("g{g}-{}", &LEVELS[level][..1]),
        });
        let mut applicant = Applicant {
            id: applicant_id(j),
            level,
            home,
            household: household.map(|h| format!("h{h}")),
            priority,
            zone,
            private_choices,
            public_choices,
            group: group.clone(),
        };
        if let Some(g) = group {
            match first_of_group.get(&g) {
                Some(&first) if copy => {
                    let f = &model.applicants[first];
                    applicant.home = f.home;
                    applicant.zone = f.zone;
                    applicant.private_choices = f.private_choices.clone();
                    applicant.public_choices = f.public_choices.clone();
                }
                Some(_) => {}
                None => {
                    first_of_group.insert(g, j);
                }
            }
        }
        model.applicants.push(applicant);
    }
    let max_distance = max_distance.filter(|_| force.max_distance != Some(false));
    model.policy.max_distance_m = max_distance.map(|v| {
        let v = usize::from(v);
        let n = model.applicants.len();
        if v % 2 == 0 || n == 0 {
            MAX_DISTANCES[v / 2 % MAX_DISTANCES.len()]
        } else {
            let a = v / 2 % n;
            let publics: Vec<usize> = model.public_schools(model.applicants[a].level).collect();
            model.distance(a, publics[v / 8 % publics.len()])
        }
    });
    model
}

// ---------------------------------------------------------------------------
// The spec, recomputed on the model
// ---------------------------------------------------------------------------

type Key = (u32, Ticket);

impl Model {
    /// Effective class size limit.
    fn cap(&self, s: usize) -> u32 {
        let school = &self.schools[s];
        let limit = self.policy.max_class_size[school.level];
        school.class_cap.unwrap_or(limit).min(limit)
    }

    fn capacity(&self, s: usize) -> u32 {
        let school = &self.schools[s];
        (school.classes * self.cap(s)).saturating_sub(school.reserved.unwrap_or(0))
    }

    /// Classes opened for `n` pupils (spec §5).
    fn classes_opened(&self, s: usize, n: u32) -> u32 {
        if n == 0 {
            0
        } else {
            n.div_ceil(self.cap(s)).min(self.schools[s].classes)
        }
    }

    fn priority(&self, a: usize) -> u32 {
        self.applicants[a].priority.unwrap_or(1)
    }

    /// The zone of `level` covering a point (boundary included); the first
    /// id when several do.
    fn lookup_zone(&self, level: usize, (lon, lat): (f64, f64)) -> Option<usize> {
        (0..self.zones.len())
            .filter(|&z| self.zones[z].level == level && self.zones[z].covers(lon, lat))
            .min_by(|&a, &b| self.zones[a].id.as_bytes().cmp(self.zones[b].id.as_bytes()))
    }

    /// The applicant's zone under rule zone: its `zone` column, else the
    /// zone covering its home.
    fn zone_of(&self, a: usize) -> Option<usize> {
        let app = &self.applicants[a];
        app.zone.or_else(|| self.lookup_zone(app.level, app.home))
    }

    fn distance(&self, a: usize, s: usize) -> f64 {
        haversine(self.applicants[a].home, self.schools[s].at)
    }

    /// Schools in (distance from the applicant's home, id bytes) order.
    fn by_distance(&self, a: usize, schools: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let mut list: Vec<(f64, usize)> = schools.into_iter().map(|s| (self.distance(a, s), s)).collect();
        list.sort_by(|x, y| {
            x.0.total_cmp(&y.0)
                .then_with(|| self.schools[x.1].id.as_bytes().cmp(self.schools[y.1].id.as_bytes()))
        });
        list.into_iter().map(|x| x.1).collect()
    }

    fn private_prefs(&self, a: usize) -> Vec<usize> {
        let limit = self.policy.max_private_choices.unwrap_or(2) as usize;
        self.applicants[a].private_choices.iter().copied().take(limit).collect()
    }

    /// `public_choices` inside the zone (first mention), then the zone's
    /// other schools by distance.
    fn zone_prefs(&self, a: usize) -> Vec<usize> {
        let Some(z) = self.zone_of(a) else {
            return Vec::new();
        };
        let zone = &self.zones[z].schools;
        let mut list: Vec<usize> = Vec::new();
        for &s in &self.applicants[a].public_choices {
            if zone.contains(&s) && !list.contains(&s) {
                list.push(s);
            }
        }
        let rest: Vec<usize> = zone.iter().copied().filter(|s| !list.contains(s)).collect();
        list.extend(self.by_distance(a, rest));
        list
    }

    fn public_schools(&self, level: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.schools.len()).filter(move |&s| self.schools[s].public && self.schools[s].level == level)
    }

    fn nearest_prefs(&self, a: usize) -> Vec<usize> {
        self.by_distance(a, self.public_schools(self.applicants[a].level))
    }

    fn stage2_prefs(&self, a: usize) -> Vec<usize> {
        if self.policy.rule_zone {
            self.zone_prefs(a)
        } else {
            self.nearest_prefs(a)
        }
    }

    fn private_key(&self, a: usize, s: usize) -> Key {
        let label = format!("private:{}", self.schools[s].id);
        (
            self.priority(a),
            ticket(&self.policy.seed, &label, &self.applicants[a].id),
        )
    }

    fn public_ticket(&self, a: usize) -> Ticket {
        ticket(&self.policy.seed, "public", &self.applicants[a].id)
    }

    fn public_key(&self, a: usize, s: usize) -> Key {
        let t = if self.policy.multiple {
            let label = format!("public:{}", self.schools[s].id);
            ticket(&self.policy.seed, &label, &self.applicants[a].id)
        } else {
            self.public_ticket(a)
        };
        (self.priority(a), t)
    }

    /// The id an applicant's tickets are drawn for: `group:<id>` when it
    /// is drawn with its group, else its own id.
    fn draw_id(&self, a: usize) -> String {
        let app = &self.applicants[a];
        match &app.group {
            Some(g) if self.policy.together && self.group_size(a) > 1 => format!("group:{g}"),
            _ => app.id.clone(),
        }
    }

    /// Who is drawn together, members sorted by id bytes.
    fn units(&self) -> Vec<Vec<usize>> {
        let mut units: Vec<Vec<usize>> = Vec::new();
        let mut of_group: HashMap<(usize, &str), usize> = HashMap::new();
        for (a, app) in self.applicants.iter().enumerate() {
            match &app.group {
                Some(g) if self.policy.together => {
                    let u = *of_group.entry((app.level, g.as_str())).or_insert_with(|| {
                        units.push(Vec::new());
                        units.len() - 1
                    });
                    units[u].push(a);
                }
                _ => units.push(vec![a]),
            }
        }
        for unit in &mut units {
            unit.sort_by(|&x, &y| self.applicants[x].id.as_bytes().cmp(self.applicants[y].id.as_bytes()));
        }
        units
    }

    fn group_size(&self, a: usize) -> usize {
        let app = &self.applicants[a];
        self.applicants
            .iter()
            .filter(|b| b.level == app.level && b.group.is_some() && b.group == app.group)
            .count()
    }

    /// No group of two or more is drawn together, so every applicant is
    /// drawn alone and the textbook results apply.
    fn everyone_alone(&self) -> bool {
        if !self.policy.together {
            return true;
        }
        let mut seen = BTreeSet::new();
        self.applicants
            .iter()
            .filter_map(|a| a.group.as_ref().map(|g| (a.level, g)))
            .all(|k| seen.insert(k))
    }
}

/// Textbook applicant-proposing deferred acceptance: while some applicant
/// is free and has a school left to try, it proposes to the next one; the
/// school keeps its best `capacity` proposals by key.
fn textbook_da(prefs: &[Vec<usize>], capacity: &[u32], key: impl Fn(usize, usize) -> Key) -> Vec<Option<usize>> {
    let mut next = vec![0usize; prefs.len()];
    let mut held: Vec<Vec<usize>> = vec![Vec::new(); capacity.len()];
    let mut assigned: Vec<Option<usize>> = vec![None; prefs.len()];
    while let Some(a) = (0..prefs.len()).find(|&a| assigned[a].is_none() && next[a] < prefs[a].len()) {
        let s = prefs[a][next[a]];
        next[a] += 1;
        held[s].push(a);
        assigned[a] = Some(s);
        held[s].sort_by_key(|&b| key(b, s));
        if held[s].len() > capacity[s] as usize {
            let out = held[s].pop().expect("over capacity");
            assigned[out] = None;
        }
    }
    assigned
}

/// Blocking pairs of a one-stage assignment: an applicant of the stage and
/// a school it ranks above its own (or any it ranks, when unplaced) that
/// has a free seat or admitted someone with a worse key.
fn blocking_pairs(
    model: &Model,
    stage: &str,
    participants: &[usize],
    prefs: impl Fn(usize) -> Vec<usize>,
    key: impl Fn(usize, usize) -> Key,
    got: &[Option<usize>],
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut admitted: Vec<Vec<usize>> = vec![Vec::new(); model.schools.len()];
    for (a, s) in got.iter().enumerate() {
        if let Some(s) = *s {
            admitted[s].push(a);
        }
    }
    for (s, list) in admitted.iter().enumerate() {
        if list.len() > model.capacity(s) as usize {
            problems.push(format!(
                "{stage}: school {} admitted {} over its capacity {}",
                model.schools[s].id,
                list.len(),
                model.capacity(s)
            ));
        }
    }
    for &a in participants {
        let list = prefs(a);
        let id = &model.applicants[a].id;
        if let Some(s) = got[a] {
            if !list.contains(&s) {
                problems.push(format!(
                    "{stage}: {id} is at {}, which is not on its list",
                    model.schools[s].id
                ));
                continue;
            }
        }
        for &s in list.iter().take_while(|&&s| Some(s) != got[a]) {
            let sid = &model.schools[s].id;
            if admitted[s].len() < model.capacity(s) as usize {
                problems.push(format!("{stage}: {id} prefers {sid}, which has a free seat"));
            }
            let mine = key(a, s);
            if let Some(&b) = admitted[s].iter().find(|&&b| key(b, s) > mine) {
                problems.push(format!(
                    "{stage}: {id} prefers {sid}, which admitted {} with a worse key",
                    model.applicants[b].id
                ));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// The library's round, seen from the model
// ---------------------------------------------------------------------------

/// The library's outcome per model applicant and per model school.
struct Seen {
    scenario: Scenario,
    outcome: Outcome,
    /// Library applicant index of each model applicant.
    lib_app: Vec<usize>,
    /// Model school of each library school.
    model_school: Vec<usize>,
    /// Model zone of each library zone.
    model_zone: Vec<usize>,
}

impl Seen {
    fn run(model: &Model) -> Result<Seen, TestCaseError> {
        let scenario = model.load(&Variant::plain())?;
        let outcome = round::run(&scenario);
        let app_ids: Vec<&str> = scenario.applicants.iter().map(|a| a.id.as_str()).collect();
        let lib_of_model: HashMap<&str, usize> = app_ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        prop_assert_eq!(app_ids.len(), model.applicants.len(), "applicants loaded");
        let lib_app = model
            .applicants
            .iter()
            .map(|a| lib_of_model.get(a.id.as_str()).copied())
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| TestCaseError::fail("an applicant is missing after loading"))?;
        let school_pos: HashMap<&str, usize> = model
            .schools
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let model_school = scenario
            .schools
            .iter()
            .map(|s| school_pos.get(s.id.as_str()).copied())
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| TestCaseError::fail("a school appeared from nowhere"))?;
        prop_assert_eq!(model_school.len(), model.schools.len(), "schools loaded");
        let zone_pos: HashMap<&str, usize> = model
            .zones
            .iter()
            .enumerate()
            .map(|(i, z)| (z.id.as_str(), i))
            .collect();
        let model_zone = scenario
            .zones
            .iter()
            .map(|z| zone_pos.get(z.id.as_str()).copied())
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| TestCaseError::fail("a zone appeared from nowhere"))?;
        prop_assert_eq!(model_zone.len(), model.zones.len(), "zones loaded");
        Ok(Seen {
            scenario,
            outcome,
            lib_app,
            model_school,
            model_zone,
        })
    }

    fn stage(&self, a: usize) -> Stage {
        self.outcome.placements[self.lib_app[a]].stage
    }

    /// The model school of applicant `a`, when placed in `stage`.
    fn school_in(&self, a: usize, stage: Stage) -> Option<usize> {
        let p = &self.outcome.placements[self.lib_app[a]];
        (p.stage == stage)
            .then_some(p.school)
            .flatten()
            .map(|s| self.model_school[s.index()])
    }

    fn school(&self, a: usize) -> Option<usize> {
        self.outcome.placements[self.lib_app[a]]
            .school
            .map(|s| self.model_school[s.index()])
    }

    fn stage2(model: &Model) -> Stage {
        if model.policy.rule_zone {
            Stage::Zone
        } else {
            Stage::Nearest
        }
    }
}

fn fail_on(problems: Vec<String>) -> Result<(), TestCaseError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(TestCaseError::fail(problems.join("\n")))
    }
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

/// The independent checker (`catchment::audit`, written from spec §4 and
/// reading the run folder's files) and the library's own invariants, on
/// one round.
fn audit_round(scenario: &Scenario) -> Result<(), TestCaseError> {
    let outcome = round::run(scenario);
    let run = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    for file in output::render(scenario, &outcome) {
        if file.name.ends_with(".csv") {
            std::fs::write(run.path().join(file.name), &file.bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
    }
    let audit = audit::check_run_folder(scenario, run.path()).map_err(TestCaseError::fail)?;
    let mut problems: Vec<String> = audit.findings.iter().map(|f| f.to_string()).collect();
    problems.extend(audit.not_checked.iter().map(|n| format!("not checked: {n}")));
    problems.extend(invariants::check(scenario, &outcome));
    fail_on(problems)
}

/// Property 1: the independent checker and the invariants find nothing.
fn invariants_hold(model: &Model) -> Result<(), TestCaseError> {
    audit_round(&model.load(&Variant::plain())?)
}

/// A rule the model's policy does not draw, applied to its files.
#[derive(Debug, Clone, Copy)]
enum Twist {
    /// `rule = "optimal"`.
    RuleOptimal,
    /// `fallback.rule = "optimal"` (after stage 2 by zone or nearest).
    FallbackOptimal,
    /// `distance.metric = "matrix"`: road metres 1.0–1.5 × the great-circle
    /// distance, rounded to whole metres (so ties happen), with about one
    /// pair in five missing ("not reachable").
    Matrix(u64),
}

fn twist() -> impl Strategy<Value = Twist> {
    prop_oneof![
        Just(Twist::RuleOptimal),
        Just(Twist::FallbackOptimal),
        any::<u64>().prop_map(Twist::Matrix),
    ]
}

/// Property 11: under rule `optimal`, `fallback.rule = "optimal"` and a
/// distance matrix with missing pairs, the independent checker finds
/// nothing: its optimality certificate (no negative cycle, recomputed from
/// the files) for the optimal stages, its stability check and fallback
/// replay over the matrix's pairs, and `distance_m` from the matrix.
fn twisted_rounds_pass_the_audit(model: &Model, twist: Twist) -> Result<(), TestCaseError> {
    let dir = model.write(&Variant::plain())?;
    let fail = |e: std::io::Error| TestCaseError::fail(e.to_string());
    let path = dir.path().join("policy.toml");
    let policy = std::fs::read_to_string(&path).map_err(fail)?;
    let policy = match twist {
        Twist::RuleOptimal => policy.replacen("rule = \"zone\"", "rule = \"optimal\"", 1).replacen(
            "rule = \"nearest\"",
            "rule = \"optimal\"",
            1,
        ),
        Twist::FallbackOptimal => policy
            .replacen("rule = \"nearest_vacancy\"", "rule = \"optimal\"", 1)
            .replacen("rule = \"none\"", "rule = \"optimal\"", 1),
        Twist::Matrix(seed) => {
            let mut mix = Mix(seed);
            let mut rows = String::from("applicant_id,school_id,metres\n");
            for (a, app) in model.applicants.iter().enumerate() {
                for (s, school) in model.schools.iter().enumerate() {
                    let r = mix.next();
                    if r.is_multiple_of(5) {
                        continue;
                    }
                    let factor = 1.0 + ((r >> 8) % 51) as f64 / 100.0;
                    rows += &format!("{},{},{}\n", app.id, school.id, (model.distance(a, s) * factor).round());
                }
            }
            std::fs::write(dir.path().join("distances.csv"), rows).map_err(fail)?;
            policy.replacen(
                "[fallback]",
                "[distance]\nmetric = \"matrix\"\nmatrix = \"distances.csv\"\n[fallback]",
                1,
            )
        }
    };
    std::fs::write(&path, policy).map_err(fail)?;
    audit_round(&load_dir(dir.path())?)
}

/// Properties 2 and 6: Stability by brute force: the private stage, and stage 2 (zone
/// or nearest), have no blocking pair, with lists and keys recomputed from
/// the spec.
fn stages_are_stable(model: &Model) -> Result<(), TestCaseError> {
    let seen = Seen::run(model)?;
    let n = model.applicants.len();
    let everyone: Vec<usize> = (0..n).collect();
    let private: Vec<Option<usize>> = (0..n).map(|a| seen.school_in(a, Stage::PrivateLottery)).collect();
    let mut problems = blocking_pairs(
        model,
        "private",
        &everyone,
        |a| model.private_prefs(a),
        |a, s| model.private_key(a, s),
        &private,
    );
    let stage2 = Seen::stage2(model);
    let rest: Vec<usize> = (0..n).filter(|&a| private[a].is_none()).collect();
    let public: Vec<Option<usize>> = (0..n).map(|a| seen.school_in(a, stage2)).collect();
    problems.extend(blocking_pairs(
        model,
        stage2.as_str(),
        &rest,
        |a| model.stage2_prefs(a),
        |a, s| model.public_key(a, s),
        &public,
    ));
    fail_on(problems)
}

/// Property 3: The private stage and stage 2 equal a textbook deferred acceptance.
fn stages_equal_textbook_da(model: &Model) -> Result<(), TestCaseError> {
    let seen = Seen::run(model)?;
    let n = model.applicants.len();
    let capacity: Vec<u32> = (0..model.schools.len()).map(|s| model.capacity(s)).collect();
    let prefs: Vec<Vec<usize>> = (0..n).map(|a| model.private_prefs(a)).collect();
    let private = textbook_da(&prefs, &capacity, |a, s| model.private_key(a, s));
    let mut problems = Vec::new();
    for (a, want) in private.iter().enumerate() {
        let got = seen.school_in(a, Stage::PrivateLottery);
        if got != *want {
            problems.push(format!(
                "private stage: {} is at {:?}, textbook DA says {:?}",
                model.applicants[a].id,
                got.map(|s| &model.schools[s].id),
                want.map(|s| &model.schools[s].id)
            ));
        }
    }
    let stage2 = Seen::stage2(model);
    let prefs: Vec<Vec<usize>> = (0..n)
        .map(|a| {
            if private[a].is_some() {
                Vec::new()
            } else {
                model.stage2_prefs(a)
            }
        })
        .collect();
    let public = textbook_da(&prefs, &capacity, |a, s| model.public_key(a, s));
    for (a, want) in public.iter().enumerate() {
        let got = seen.school_in(a, stage2);
        if got != *want {
            problems.push(format!(
                "{} stage: {} is at {:?}, textbook DA says {:?}",
                stage2.as_str(),
                model.applicants[a].id,
                got.map(|s| &model.schools[s].id),
                want.map(|s| &model.schools[s].id)
            ));
        }
    }
    fail_on(problems)
}

/// Property 4: Row order, column order, feature order, CRLF and a BOM change no
/// output byte. The manifest records the SHA-256 of the input files, which
/// differ by construction, so its `inputs` object is left out.
fn outputs_ignore_row_order(model: &Model, shuffle: u64) -> Result<(), TestCaseError> {
    let render = |variant: &Variant| -> Result<Vec<(&'static str, Vec<u8>)>, TestCaseError> {
        let scenario = model.load(variant)?;
        let outcome = round::run(&scenario);
        Ok(output::render(&scenario, &outcome)
            .into_iter()
            .map(|f| {
                let bytes = if f.name == "manifest.json" {
                    let mut v: serde_json::Value = serde_json::from_slice(&f.bytes).expect("manifest is JSON");
                    v.as_object_mut().expect("an object").remove("inputs");
                    serde_json::to_vec_pretty(&v).expect("JSON")
                } else {
                    f.bytes
                };
                (f.name, bytes)
            })
            .collect())
    };
    let plain = render(&Variant::plain())?;
    for crlf_bom in [false, true] {
        let variant = Variant {
            shuffle: Some(shuffle),
            crlf_bom,
        };
        let other = render(&variant)?;
        prop_assert_eq!(plain.len(), other.len());
        for ((name, a), (_, b)) in plain.iter().zip(&other) {
            prop_assert!(
                a == b,
                "{} differs with {:?}:\n--- plain\n{}\n--- shuffled\n{}",
                name,
                variant,
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b)
            );
        }
    }
    Ok(())
}

/// Property 5: the round parallelises parts of its preparation with
/// rayon; the outputs are the same bytes with one thread and with several.
fn outputs_ignore_thread_count(model: &Model) -> Result<(), TestCaseError> {
    let scenario = model.load(&Variant::plain())?;
    let render = |threads: usize| -> Vec<(&'static str, Vec<u8>)> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        let outcome = pool.install(|| round::run(&scenario));
        output::render(&scenario, &outcome)
            .into_iter()
            .map(|f| (f.name, f.bytes))
            .collect()
    };
    let one = render(1);
    let four = render(4);
    prop_assert_eq!(one.len(), four.len());
    for ((name, a), (_, b)) in one.iter().zip(&four) {
        prop_assert!(a == b, "{} differs between 1 and 4 threads", name);
    }
    Ok(())
}

/// Property 6: Under rule nearest: an applicant placed by the nearest stage has no
/// strictly preferred school (nearer, or as near with a smaller id) that
/// had a seat left or admitted someone with a worse key; one the stage did
/// not place has no such school at all. The stage also equals textbook DA.
fn nearest_rule_is_nearest(model: &Model) -> Result<(), TestCaseError> {
    let seen = Seen::run(model)?;
    let n = model.applicants.len();
    let mut admitted: Vec<Vec<usize>> = vec![Vec::new(); model.schools.len()];
    for a in 0..n {
        if let Some(s) = seen.school_in(a, Stage::Nearest) {
            admitted[s].push(a);
        }
    }
    let mut problems = Vec::new();
    for a in (0..n).filter(|&a| seen.stage(a) != Stage::PrivateLottery) {
        let id = &model.applicants[a].id;
        let here = seen.school_in(a, Stage::Nearest);
        for s in model.public_schools(model.applicants[a].level) {
            let preferred = match here {
                None => true,
                Some(h) => {
                    let (ds, dh) = (model.distance(a, s), model.distance(a, h));
                    ds < dh || (ds == dh && model.schools[s].id.as_bytes() < model.schools[h].id.as_bytes())
                }
            };
            if !preferred {
                continue;
            }
            let sid = &model.schools[s].id;
            if admitted[s].len() < model.capacity(s) as usize {
                problems.push(format!("{id} could have had a seat at the nearer {sid}"));
            }
            let mine = model.public_key(a, s);
            if let Some(&b) = admitted[s].iter().find(|&&b| model.public_key(b, s) > mine) {
                problems.push(format!("{id} outranks {} at the nearer {sid}", model.applicants[b].id));
            }
        }
    }
    if !problems.is_empty() {
        return fail_on(problems);
    }
    stages_equal_textbook_da(model)
}

/// Property 7: The fallback, simulated from the seats stage 2 left: in (priority,
/// public ticket) order each unit (an applicant, or a group drawn together
/// from its smallest id's home) takes the nearest public school of its
/// level with a free seat for every member (within max_distance_m), and
/// the unplaced get the reason of spec §8.
fn fallback_takes_nearest_vacancy(model: &Model) -> Result<(), TestCaseError> {
    let seen = Seen::run(model)?;
    let n = model.applicants.len();
    let stage2 = Seen::stage2(model);
    let mut seats: Vec<u32> = (0..model.schools.len())
        .map(|s| if model.schools[s].public { model.capacity(s) } else { 0 })
        .collect();
    for a in 0..n {
        if let Some(s) = seen.school_in(a, stage2) {
            seats[s] -= 1;
        }
    }
    let mut order: Vec<Vec<usize>> = model
        .units()
        .into_iter()
        .filter(|unit| matches!(seen.stage(unit[0]), Stage::Fallback | Stage::Unplaced))
        .collect();
    let ticket_of = |unit: &[usize]| ticket(&model.policy.seed, "public", &model.draw_id(unit[0]));
    let priority_of = |unit: &[usize]| unit.iter().map(|&a| model.priority(a)).min();
    order.sort_by_key(|unit| (priority_of(unit), ticket_of(unit)));
    let limit = model.policy.max_distance_m.unwrap_or(f64::INFINITY);
    let mut problems = Vec::new();
    for unit in order {
        let (rep, size) = (unit[0], unit.len() as u32);
        let level = model.applicants[rep].level;
        let want: (Stage, Option<usize>, Option<&str>) = if !model.policy.fallback {
            (Stage::Unplaced, None, Some("fallback_none"))
        } else if model.public_schools(level).all(|s| seats[s] == 0) {
            (Stage::Unplaced, None, Some("no_capacity"))
        } else {
            let fits: Vec<usize> = model.public_schools(level).filter(|&s| seats[s] >= size).collect();
            match model.by_distance(rep, fits).first() {
                Some(&s) if model.distance(rep, s) <= limit => {
                    seats[s] -= size;
                    (Stage::Fallback, Some(s), None)
                }
                _ => (Stage::Unplaced, None, Some("no_seat_within_limit")),
            }
        };
        for a in unit {
            let p = &seen.outcome.placements[seen.lib_app[a]];
            let got = (p.stage, seen.school(a), p.reason.map(|r| r.as_str()));
            if got != want {
                problems.push(format!(
                    "fallback: {} got {:?} at {:?}, expected {:?} at {:?}",
                    model.applicants[a].id,
                    (got.0, got.2),
                    got.1.map(|s| &model.schools[s].id),
                    (want.0, want.2),
                    want.1.map(|s| &model.schools[s].id),
                ));
            }
        }
    }
    fail_on(problems)
}

/// Property 8: Per-applicant fields: the zone (under rule zone the `zone` column or
/// the first zone covering the home, boundary included; none under rule
/// nearest), the ticket it was admitted with (drawn for `group:<id>` when
/// drawn with its group), the distance from its own home, the class, and
/// the rendering of all of it in `assignments.csv`.
fn applicant_fields(model: &Model) -> Result<(), TestCaseError> {
    let seen = Seen::run(model)?;
    let mut problems = Vec::new();
    for a in 0..model.applicants.len() {
        let id = &model.applicants[a].id;
        let want_zone = if model.policy.rule_zone { model.zone_of(a) } else { None };
        let got_zone = seen.outcome.zone_of[seen.lib_app[a]].map(|z| seen.model_zone[z.index()]);
        if got_zone != want_zone {
            problems.push(format!(
                "{id}: zone {:?}, expected {:?}",
                got_zone.map(|z| &model.zones[z].id),
                want_zone.map(|z| &model.zones[z].id)
            ));
        }
        let p = &seen.outcome.placements[seen.lib_app[a]];
        let (seed, draw) = (&model.policy.seed, model.draw_id(a));
        let want_ticket = match (p.stage, seen.school(a)) {
            (Stage::PrivateLottery, Some(s)) => ticket(seed, &format!("private:{}", model.schools[s].id), &draw),
            (Stage::Zone | Stage::Nearest, Some(s)) if model.policy.multiple => {
                ticket(seed, &format!("public:{}", model.schools[s].id), &draw)
            }
            _ => ticket(seed, "public", &draw),
        };
        if p.ticket != want_ticket {
            problems.push(format!("{id}: ticket {:?}, expected {:?}", p.ticket, want_ticket));
        }
        let want_distance = seen.school(a).map(|s| model.distance(a, s));
        if p.distance_m != want_distance {
            problems.push(format!(
                "{id}: distance {:?}, expected {:?}",
                p.distance_m, want_distance
            ));
        }
    }
    // Classes: pupils dealt round-robin in (priority, ticket) order to
    // ceil(n / cap) classes. (A group's priority is ambiguous here, so only
    // when everyone is drawn alone.)
    if model.everyone_alone() {
        for s in 0..model.schools.len() {
            let placement = |a: usize| &seen.outcome.placements[seen.lib_app[a]];
            let mut pupils: Vec<usize> = (0..model.applicants.len())
                .filter(|&a| seen.school(a) == Some(s))
                .collect();
            pupils.sort_by(|&x, &y| {
                (
                    model.priority(x),
                    placement(x).ticket,
                    model.applicants[x].id.as_bytes(),
                )
                    .cmp(&(
                        model.priority(y),
                        placement(y).ticket,
                        model.applicants[y].id.as_bytes(),
                    ))
            });
            let k = model.classes_opened(s, pupils.len() as u32);
            for (rank, &a) in pupils.iter().enumerate() {
                let want = Some(rank as u32 % k + 1);
                if placement(a).class_no != want {
                    problems.push(format!(
                        "{}: class {:?} at {}, expected {:?}",
                        model.applicants[a].id,
                        placement(a).class_no,
                        model.schools[s].id,
                        want
                    ));
                }
            }
        }
    }
    // assignments.csv: one row per applicant, by id, with the spec's ten
    // columns (then `zone_source`, when present: `registry` for a zone
    // from the `zone` column, `home` for one found from the home).
    let files = output::render(&seen.scenario, &seen.outcome);
    let table = files
        .iter()
        .find(|f| f.name == "assignments.csv")
        .expect("assignments.csv");
    let mut reader = csv::Reader::from_reader(table.bytes.as_slice());
    let header: Vec<String> = reader.headers().expect("a header").iter().map(str::to_string).collect();
    let spec = [
        "applicant_id",
        "level",
        "school_id",
        "stage",
        "zone_id",
        "distance_m",
        "priority",
        "ticket",
        "class_no",
        "reason",
    ];
    prop_assert_eq!(&header[..10], &spec[..]);
    let mut order: Vec<usize> = (0..model.applicants.len()).collect();
    order.sort_by(|&x, &y| model.applicants[x].id.as_bytes().cmp(model.applicants[y].id.as_bytes()));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();
    prop_assert_eq!(rows.len(), order.len(), "assignments.csv rows");
    for (row, &a) in rows.iter().zip(&order) {
        let app = &model.applicants[a];
        let p = &seen.outcome.placements[seen.lib_app[a]];
        let school = seen.school(a);
        let zone = if model.policy.rule_zone { model.zone_of(a) } else { None };
        let zone_source = match (zone, app.zone) {
            (None, _) => "",
            (Some(_), Some(_)) => "registry",
            (Some(_), None) => "home",
        };
        let want = [
            ("applicant_id", app.id.clone()),
            ("level", LEVELS[app.level].to_string()),
            (
                "school_id",
                school.map_or(String::new(), |s| model.schools[s].id.clone()),
            ),
            ("stage", p.stage.as_str().to_string()),
            ("zone_id", zone.map_or(String::new(), |z| model.zones[z].id.clone())),
            (
                "distance_m",
                school.map_or(String::new(), |s| format!("{:.1}", model.distance(a, s))),
            ),
            ("priority", model.priority(a).to_string()),
            ("ticket", p.ticket.to_hex()),
            ("class_no", p.class_no.map_or(String::new(), |c| c.to_string())),
            ("reason", p.reason.map_or("", |r| r.as_str()).to_string()),
            ("zone_source", zone_source.to_string()),
        ];
        for (column, value) in want {
            if let Some(i) = header.iter().position(|h| h == column) {
                if row[i] != value {
                    problems.push(format!(
                        "assignments.csv {column} of {}: {:?}, expected {value:?}",
                        app.id, &row[i]
                    ));
                }
            }
        }
    }
    fail_on(problems)
}

/// Property 9: `lottery.csv`: for each school of a deferred-acceptance stage, every
/// applicant who proposed to it at any step (its list down to its final
/// school, or all of it when the stage left it out), in (priority, ticket)
/// order with its rank and whether it holds the seat; schools by id within
/// the private stage, then stage 2; then the district-wide fallback order.
/// Also the per-school columns of `schools.csv` and the counts of
/// `summary.json` that spec §6 names.
fn lottery_transcript(model: &Model) -> Result<(), TestCaseError> {
    let scenario = model.load(&Variant::plain())?;
    let outcome = round::run(&scenario);
    let files = output::render(&scenario, &outcome);
    let lottery = files.iter().find(|f| f.name == "lottery.csv").expect("lottery.csv");
    let mut reader = csv::Reader::from_reader(lottery.bytes.as_slice());
    let header: Vec<String> = reader.headers().expect("a header").iter().map(str::to_string).collect();
    prop_assert_eq!(
        &header[..7],
        &[
            "label",
            "school_id",
            "applicant_id",
            "priority",
            "ticket",
            "rank",
            "admitted"
        ][..],
        "the spec's columns first"
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();

    let n = model.applicants.len();
    let capacity: Vec<u32> = (0..model.schools.len()).map(|s| model.capacity(s)).collect();
    let private_prefs: Vec<Vec<usize>> = (0..n).map(|a| model.private_prefs(a)).collect();
    let private = textbook_da(&private_prefs, &capacity, |a, s| model.private_key(a, s));
    let public_prefs: Vec<Vec<usize>> = (0..n)
        .map(|a| {
            if private[a].is_some() {
                Vec::new()
            } else {
                model.stage2_prefs(a)
            }
        })
        .collect();
    let public = textbook_da(&public_prefs, &capacity, |a, s| model.public_key(a, s));
    // Expected rows as (column, value): the spec's seven columns, then the
    // library's documented extra columns when present (`seats` at the start
    // of the draw, `choice` = the school's place on the list, `draw_id`).
    let mut want: Vec<Vec<(&str, String)>> = Vec::new();
    // Per school: applicants in its lottery stage, and its cut-off when
    // someone was turned away.
    let mut drawn: Vec<(usize, bool, Option<Key>)> = vec![(0, false, None); model.schools.len()];
    for (prefs, assigned, is_private) in [(&private_prefs, &private, true), (&public_prefs, &public, false)] {
        let mut schools: Vec<usize> = (0..model.schools.len()).collect();
        schools.sort_by(|&x, &y| model.schools[x].id.as_bytes().cmp(model.schools[y].id.as_bytes()));
        for s in schools {
            let key = |a: usize| {
                if is_private {
                    model.private_key(a, s)
                } else {
                    model.public_key(a, s)
                }
            };
            let mut proposers: Vec<usize> = (0..n)
                .filter(|&a| {
                    let list = &prefs[a];
                    let upto = assigned[a].map_or(list.len(), |x| list.iter().position(|&y| y == x).unwrap() + 1);
                    list[..upto].contains(&s)
                })
                .collect();
            proposers.sort_by_key(|&a| key(a));
            if !proposers.is_empty() {
                let admitted = proposers.iter().filter(|&&a| assigned[a] == Some(s));
                let turned_away = proposers.iter().any(|&a| assigned[a] != Some(s));
                let cutoff = admitted.map(|&a| key(a)).max().filter(|_| turned_away);
                drawn[s] = (proposers.len(), turned_away, cutoff);
            }
            let sid = &model.schools[s].id;
            let label = match (is_private, model.policy.multiple) {
                (true, _) => format!("private:{sid}"),
                (false, true) => format!("public:{sid}"),
                (false, false) => "public".to_string(),
            };
            for (rank, &a) in proposers.iter().enumerate() {
                let (priority, t) = key(a);
                let choice = prefs[a].iter().position(|&x| x == s).expect("on the list") + 1;
                want.push(vec![
                    ("label", label.clone()),
                    ("school_id", sid.clone()),
                    ("applicant_id", model.applicants[a].id.clone()),
                    ("priority", priority.to_string()),
                    ("ticket", t.to_hex()),
                    ("rank", (rank + 1).to_string()),
                    ("admitted", (assigned[a] == Some(s)).to_string()),
                    ("seats", model.capacity(s).to_string()),
                    ("choice", choice.to_string()),
                    ("draw_id", model.applicants[a].id.clone()),
                ]);
            }
        }
    }
    // The fallback: one district-wide draw per level (primary first) in
    // (priority, public ticket) order, with the public seats left.
    let seen = Seen::run(model)?;
    for level in 0..LEVELS.len() {
        let mut rest: Vec<usize> = (0..n)
            .filter(|&a| model.applicants[a].level == level && private[a].is_none() && public[a].is_none())
            .collect();
        rest.sort_by_key(|&a| (model.priority(a), model.public_ticket(a)));
        let left: u32 = model
            .public_schools(level)
            .map(|s| model.capacity(s) - public.iter().filter(|&&x| x == Some(s)).count() as u32)
            .sum();
        for (rank, &a) in rest.iter().enumerate() {
            want.push(vec![
                ("label", "public".to_string()),
                ("school_id", String::new()),
                ("applicant_id", model.applicants[a].id.clone()),
                ("priority", model.priority(a).to_string()),
                ("ticket", model.public_ticket(a).to_hex()),
                ("rank", (rank + 1).to_string()),
                ("admitted", (seen.stage(a) == Stage::Fallback).to_string()),
                ("seats", left.to_string()),
                ("choice", String::new()),
                ("draw_id", model.applicants[a].id.clone()),
            ]);
        }
    }
    let show = |row: &[(&str, String)]| {
        row.iter()
            .map(|(c, v)| format!("{c}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let got: Vec<String> = rows
        .iter()
        .zip(&want)
        .map(|(row, w)| {
            let cells: Vec<(&str, String)> = w
                .iter()
                .filter_map(|&(c, _)| header.iter().position(|h| h == c).map(|i| (c, row[i].to_string())))
                .collect();
            show(&cells)
        })
        .collect();
    let want: Vec<String> = want
        .iter()
        .map(|w| {
            let cells: Vec<(&str, String)> = w
                .iter()
                .filter(|(c, _)| header.iter().any(|h| h == c))
                .cloned()
                .collect();
            show(&cells)
        })
        .collect();
    prop_assert_eq!(rows.len(), want.len(), "lottery.csv rows");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        prop_assert_eq!(g, w, "lottery.csv data row {}", i + 1);
    }

    // schools.csv: the columns spec §6 names.
    let table = files.iter().find(|f| f.name == "schools.csv").expect("schools.csv");
    let mut reader = csv::Reader::from_reader(table.bytes.as_slice());
    let header = reader.headers().expect("a header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let mut ids = Vec::new();
    for row in reader.records() {
        let row = row.expect("a CSV row");
        let sid = &row[column("school_id")];
        ids.push(sid.to_string());
        let s = (0..model.schools.len())
            .find(|&s| model.schools[s].id == sid)
            .expect("a known school");
        let admitted = (0..n).filter(|&a| seen.school(a) == Some(s)).count() as u32;
        let k = model.classes_opened(s, admitted);
        let (applicants, oversubscribed, cutoff) = drawn[s];
        let want = [
            ("capacity", model.capacity(s).to_string()),
            ("applicants", applicants.to_string()),
            ("admitted", admitted.to_string()),
            ("classes_opened", k.to_string()),
            (
                "largest_class",
                if k == 0 { 0 } else { admitted.div_ceil(k) }.to_string(),
            ),
            ("vacancies", (model.capacity(s) - admitted).to_string()),
            ("oversubscribed", oversubscribed.to_string()),
            ("cutoff_priority", cutoff.map_or(String::new(), |c| c.0.to_string())),
            ("cutoff_ticket", cutoff.map_or(String::new(), |c| c.1.to_hex())),
        ];
        for (name, value) in want {
            prop_assert_eq!(&row[column(name)], value.as_str(), "schools.csv {} of {}", name, sid);
        }
    }
    let mut want_ids: Vec<String> = model.schools.iter().map(|s| s.id.clone()).collect();
    want_ids.sort_by(|x, y| x.as_bytes().cmp(y.as_bytes()));
    prop_assert_eq!(ids, want_ids, "schools.csv rows, by id");

    // summary.json: applicants per stage and unplaced per reason, per level.
    let summary = files.iter().find(|f| f.name == "summary.json").expect("summary.json");
    let summary: serde_json::Value = serde_json::from_slice(&summary.bytes).expect("JSON");
    for (level, name) in LEVELS.iter().enumerate() {
        let of_level: Vec<usize> = (0..n).filter(|&a| model.applicants[a].level == level).collect();
        let stats = &summary["levels"][name];
        for stage in [
            Stage::PrivateLottery,
            Stage::Zone,
            Stage::Nearest,
            Stage::Fallback,
            Stage::Unplaced,
        ] {
            let count = of_level.iter().filter(|&&a| seen.stage(a) == stage).count() as u64;
            prop_assert_eq!(
                stats["stages"][stage.as_str()].as_u64(),
                Some(count),
                "{} {}",
                name,
                stage.as_str()
            );
        }
        let unplaced = of_level.iter().filter(|&&a| seen.stage(a) == Stage::Unplaced).count() as u64;
        prop_assert_eq!(stats["unplaced"]["count"].as_u64(), Some(unplaced));
        for reason in ["no_capacity", "no_seat_within_limit", "fallback_none"] {
            let count = of_level
                .iter()
                .filter(|&&a| seen.outcome.placements[seen.lib_app[a]].reason.map(|r| r.as_str()) == Some(reason))
                .count() as u64;
            let got = stats["unplaced"]["reasons"][reason].as_u64().unwrap_or(0);
            prop_assert_eq!(got, count, "{} unplaced {}", name, reason);
        }
    }
    Ok(())
}

/// Property 10: a run folder written with `output::write_atomically`
/// passes `verify::verify` against its scenario.
fn run_folder_verifies(model: &Model) -> Result<(), TestCaseError> {
    let dir = model.write(&Variant::plain())?;
    let scenario = load_dir(dir.path())?;
    let outcome = round::run(&scenario);
    let run = dir.path().join("run");
    output::write_atomically(&run, &output::render(&scenario, &outcome))
        .map_err(|e| TestCaseError::fail(format!("writing the run folder: {e}")))?;
    match catchment::verify::verify(dir.path(), &run, &LoadOptions::default()) {
        Ok(_) => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!("verify: {e}"))),
    }
}

// ---------------------------------------------------------------------------

const ALONE: Force = Force {
    rule_zone: None,
    together: Some(false),
    fallback: None,
    max_distance: None,
    lone_groups: false,
};

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn p1_invariants_hold(model in arb_model(Force::default())) {
        invariants_hold(&model)?;
    }

    #[test]
    fn p2_private_and_stage2_have_no_blocking_pair(model in arb_model(ALONE)) {
        stages_are_stable(&model)?;
    }

    #[test]
    fn p3_private_and_stage2_equal_textbook_da(model in arb_model(ALONE)) {
        stages_equal_textbook_da(&model)?;
    }

    #[test]
    fn p3b_one_member_groups_drawn_together_are_plain_applicants(
        model in arb_model(Force { together: Some(true), lone_groups: true, ..Force::default() })
    ) {
        prop_assert!(model.everyone_alone());
        stages_equal_textbook_da(&model)?;
        applicant_fields(&model)?;
    }

    #[test]
    fn p5_outputs_do_not_depend_on_the_number_of_threads(model in arb_model(Force::default())) {
        outputs_ignore_thread_count(&model)?;
    }

    #[test]
    fn p6_nearest_rule_places_nobody_farther_than_a_free_or_outranked_seat(
        model in arb_model(Force { rule_zone: Some(false), ..ALONE })
    ) {
        nearest_rule_is_nearest(&model)?;
    }

    #[test]
    fn p7_fallback_takes_the_nearest_vacancy_in_ticket_order(
        model in arb_model(Force { fallback: Some(true), max_distance: Some(false), ..ALONE })
    ) {
        fallback_takes_nearest_vacancy(&model)?;
    }

    #[test]
    fn p7b_fallback_with_groups_a_distance_limit_or_none(model in arb_model(Force::default())) {
        fallback_takes_nearest_vacancy(&model)?;
    }

    #[test]
    fn p8_zone_ticket_and_distance_of_each_applicant(model in arb_model(Force::default())) {
        applicant_fields(&model)?;
    }

    #[test]
    fn p9_lottery_transcript_schools_and_summary_tables(model in arb_model(ALONE)) {
        lottery_transcript(&model)?;
    }
}

// Each case of these loads three scenarios, or writes a run folder.
proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn p4_outputs_do_not_depend_on_row_column_or_feature_order(
        model in arb_model(Force::default()),
        shuffle in any::<u64>(),
    ) {
        outputs_ignore_row_order(&model, shuffle)?;
    }

    #[test]
    fn p11_optimal_rules_and_a_distance_matrix_pass_the_audit(model in arb_model(Force::default()), twist in twist()) {
        twisted_rounds_pass_the_audit(&model, twist)?;
    }

    #[test]
    fn p10_a_written_run_folder_verifies(model in arb_model(Force::default())) {
        run_folder_verifies(&model)?;
    }
}
