//! Synthetic districts and cities: scenario folders (spec §1) drawn from a
//! seed, so that benchmarks and tests have realistic rounds of any size
//! without shipping data.
//!
//! A synthetic city is a square around lon 116.40, lat 39.90 whose side
//! grows with the square root of the number of public schools, at about one
//! public school per 1.5 km². Homes come from a handful of Gaussian
//! population centres over a uniform background; about 2 % of homes lie just
//! outside the zoned area, so the fallback stage has work to do. Each level
//! is zoned on its own by axis-aligned rectangles that tile the area
//! exactly: rows spanning the full width, each cut into cells by its own
//! column lines (a brick grid). Every cell is one zone with one to three
//! public schools, so about a fifth of the zones are multi-school zones
//! (多校划片). Row and column lines sit mostly (80 %) where each zone's
//! share of the level's children would match its share of schools and
//! partly (20 %) where its share of the area would, so dense parts still
//! carry more demand per school. Schools are sized from the demand in their
//! zone with some noise: a level's public seats come to 1.00–1.05 times its
//! applicants (unless the class range of 2–8 primary or 3–10 junior classes
//! forbids it, as in tiny instances), while single zones run up to about
//! 1.5 times oversubscribed.
//!
//! Everything is drawn from one `ChaCha8Rng` seeded with
//! [`SynthParams::seed`], using only arithmetic that IEEE 754 rounds exactly
//! (no `sin`, `exp` or `ln`, so no platform `libm` differences). The same
//! parameters therefore give byte-identical files on every platform.
//! Coordinates are rounded to 7 decimals (about 1 cm) before any
//! point-in-zone decision, so the generator and a reader of the files agree
//! on which zone holds each home, even on a shared edge.
//!
//! # Examples
//! ```
//! use catchment::synth::{scenario_texts, SynthParams};
//!
//! let params = SynthParams { applicants: 300, schools: 9, private: 2, seed: 7, rule: "zone".into(), seat_ratio: None };
//! let files = scenario_texts(&params);
//! assert_eq!(files.applicants_csv.lines().count(), 1 + 300);
//! assert!(files.policy_toml.starts_with("seed = \"synthetic city 7\"\n"));
//! ```

use std::fmt::Write as _;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Longitude of the centre of the synthetic city.
const CENTRE_LON: f64 = 116.40;
/// Latitude of the centre of the synthetic city.
const CENTRE_LAT: f64 = 39.90;
/// Kilometres per degree of latitude on the spec's sphere (R = 6371.0088 km).
const KM_PER_DEG_LAT: f64 = 111.195_080_233_532_9;
/// Kilometres per degree of longitude at latitude 39.90 (a constant, not a
/// `cos` call, so the output does not depend on the platform's `libm`).
const KM_PER_DEG_LON: f64 = 85.304_990_608_472_69;
/// Area per public school, km²: the side of the square follows from it.
const KM2_PER_SCHOOL: f64 = 1.5;
/// Share of homes drawn uniformly over the area rather than near a centre.
const BACKGROUND_SHARE: f64 = 0.3;
/// How far grid lines move from even spacing towards population quantiles.
const GRID_FOLLOW: f64 = 0.8;
/// Public schools per grid cell on average; 1.25 gives ~20 % multi-school zones.
const SCHOOLS_PER_CELL: f64 = 1.25;
/// Most public schools one zone holds.
const MAX_SCHOOLS_PER_ZONE: usize = 3;
/// Share of homes (households) just outside the zoned area.
const OUTSIDE_SHARE: f64 = 0.02;
/// Share of households with twins: 2q / (1 + q) = 3 % of applicants.
const TWIN_SHARE: f64 = 0.015_23;
/// Share of households applying to private schools.
const PRIVATE_SHARE: f64 = 0.05;
/// Private seats per private applicant, below 1 so the private lottery bites.
const PRIVATE_SEATS_PER_APPLICANT: f64 = 0.6;
/// Share of households in a multi-school zone that rank its schools.
const PUBLIC_CHOICE_SHARE: f64 = 0.3;

/// Parameters of a synthetic city.
///
/// The presets [`SynthParams::district`] and [`SynthParams::city`] are the
/// benchmark sizes; tests build small instances with a struct literal.
///
/// # Examples
/// ```
/// use catchment::synth::SynthParams;
///
/// let small = SynthParams { applicants: 1_000, schools: 12, ..SynthParams::district() };
/// assert_eq!(small.rule, "zone");
/// ```
#[derive(Debug, Clone)]
pub struct SynthParams {
    /// Applicants over both levels; two thirds (rounded) apply for primary.
    pub applicants: usize,
    /// Public schools over both levels; two thirds (rounded) are primary.
    pub schools: usize,
    /// Private schools, split between the levels (primary gets the odd one).
    pub private: usize,
    /// Seed of the generator; `policy.toml` names it in the lottery seed.
    pub seed: u64,
    /// Public allocation rule written to `policy.toml`: `"zone"`,
    /// `"nearest"` or `"optimal"`.
    pub rule: String,
    /// Public seats per applicant of each level (e.g. 1.05, or 0.95 for a
    /// tight round); `None` draws it from [1.00, 1.05) with the seed.
    pub seat_ratio: Option<f64>,
}

impl SynthParams {
    /// A district: 20,000 applicants, 60 public and 4 private schools,
    /// seed 1, rule `zone` (about 90 km²).
    pub fn district() -> Self {
        SynthParams {
            applicants: 20_000,
            schools: 60,
            private: 4,
            seed: 1,
            rule: "zone".to_string(),
            seat_ratio: None,
        }
    }

    /// A city: 300,000 applicants, 2,000 public and 40 private schools,
    /// seed 1, rule `zone` (about 3,000 km²).
    pub fn city() -> Self {
        SynthParams {
            applicants: 300_000,
            schools: 2_000,
            private: 40,
            seed: 1,
            rule: "zone".to_string(),
            seat_ratio: None,
        }
    }
}

/// The four files of a synthetic scenario, as text, so tests can use a
/// scenario without touching the disk.
///
/// # Examples
/// ```
/// use catchment::synth::{scenario_texts, SynthParams};
///
/// let files = scenario_texts(&SynthParams { applicants: 50, schools: 3, private: 0, seed: 1, rule: "nearest".into(), seat_ratio: None });
/// assert!(files.schools_csv.starts_with("id,name,level,sector,lon,lat,classes,class_cap,reserved\n"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthFiles {
    /// `schools.csv`: public schools of both levels, then private schools.
    pub schools_csv: String,
    /// `applicants.csv`: primary applicants, then junior applicants.
    pub applicants_csv: String,
    /// `zones.geojson`: one rectangle per zone, primary zones first.
    pub zones_geojson: String,
    /// `policy.toml`: the round's rules, with `seed = "synthetic city <seed>"`.
    pub policy_toml: String,
}

/// Generates the four files of a synthetic scenario in memory.
///
/// Same parameters, same bytes. See the module docs for what is drawn.
///
/// # Examples
/// ```
/// use catchment::synth::{scenario_texts, SynthParams};
///
/// let params = SynthParams { applicants: 200, schools: 6, private: 2, seed: 3, rule: "zone".into(), seat_ratio: None };
/// assert_eq!(scenario_texts(&params), scenario_texts(&params));
/// ```
pub fn scenario_texts(params: &SynthParams) -> SynthFiles {
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let area = Area::for_schools(params.schools);
    let population = Population::new(area, &mut rng);

    let (primary_schools, junior_schools) = split_two_thirds(params.schools);
    let (primary_applicants, junior_applicants) = split_two_thirds(params.applicants);
    let junior_private = params.private / 2;
    let primary_private = params.private - junior_private;
    let private_width = id_width(params.private);

    let mut levels = Vec::with_capacity(2);
    let mut private_numbers = 1..;
    for (level, applicants, schools, private) in [
        (Level::Primary, primary_applicants, primary_schools, primary_private),
        (Level::Junior, junior_applicants, junior_schools, junior_private),
    ] {
        let mut households = draw_households(applicants, &population, &mut rng);
        let public = plan_public(
            level,
            area,
            schools,
            applicants,
            params.seat_ratio,
            &households,
            &mut rng,
        );
        let numbers: Vec<usize> = private_numbers.by_ref().take(private).collect();
        let private = plan_private(level, &numbers, private_width, applicants, &population, &mut rng);
        draw_choices(&mut households, &public, private.len(), &mut rng);
        levels.push(LevelData {
            level,
            public,
            private,
            households,
        });
    }

    SynthFiles {
        schools_csv: schools_csv(&levels),
        applicants_csv: applicants_csv(&levels),
        zones_geojson: zones_geojson(&levels),
        policy_toml: policy_toml(params),
    }
}

/// Generates a synthetic scenario and writes `schools.csv`,
/// `applicants.csv`, `zones.geojson` and `policy.toml` into `dir`, creating
/// it if missing and replacing files of those names.
///
/// Errors carry the path that failed.
///
/// # Examples
/// ```no_run
/// use catchment::synth::{write_scenario, SynthParams};
///
/// write_scenario(&SynthParams::district(), std::path::Path::new("fixtures/district"))?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_scenario(params: &SynthParams, dir: &Path) -> std::io::Result<()> {
    let files = scenario_texts(params);
    std::fs::create_dir_all(dir).map_err(|e| with_path(e, dir))?;
    for (name, text) in [
        ("schools.csv", &files.schools_csv),
        ("applicants.csv", &files.applicants_csv),
        ("zones.geojson", &files.zones_geojson),
        ("policy.toml", &files.policy_toml),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| with_path(e, &path))?;
    }
    Ok(())
}

/// Adds the path to an I/O error's message.
fn with_path(error: std::io::Error, path: &Path) -> std::io::Error {
    std::io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

// ---------------------------------------------------------------------------
// Geography
// ---------------------------------------------------------------------------

/// Rounds to 7 decimals: the nearest `f64` to the decimal that `{:.7}` prints.
fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// A WGS84 position, rounded to 7 decimals.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    lon: f64,
    lat: f64,
}

impl Point {
    /// A point with both coordinates rounded to 7 decimals.
    fn rounded(lon: f64, lat: f64) -> Point {
        Point {
            lon: round7(lon),
            lat: round7(lat),
        }
    }
}

/// An axis-aligned lon/lat rectangle; the zoned area and every zone.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    west: f64,
    south: f64,
    east: f64,
    north: f64,
}

impl Rect {
    /// The square area of a city with `schools` public schools.
    fn for_schools(schools: usize) -> Rect {
        let side_km = (KM2_PER_SCHOOL * schools.max(1) as f64).sqrt();
        let half_lon = side_km / 2.0 / KM_PER_DEG_LON;
        let half_lat = side_km / 2.0 / KM_PER_DEG_LAT;
        Rect {
            west: round7(CENTRE_LON - half_lon),
            south: round7(CENTRE_LAT - half_lat),
            east: round7(CENTRE_LON + half_lon),
            north: round7(CENTRE_LAT + half_lat),
        }
    }

    /// Whether the closed rectangle holds `p` (boundary included).
    fn covers(&self, p: Point) -> bool {
        (self.west..=self.east).contains(&p.lon) && (self.south..=self.north).contains(&p.lat)
    }

    /// A point drawn uniformly from the middle of the rectangle, keeping
    /// `margin` (a fraction of each side) clear of the edges.
    fn inner_point(&self, margin: f64, rng: &mut ChaCha8Rng) -> Point {
        let fx = rng.random_range(margin..1.0 - margin);
        let fy = rng.random_range(margin..1.0 - margin);
        Point::rounded(
            self.west + (self.east - self.west) * fx,
            self.south + (self.north - self.south) * fy,
        )
    }
}

/// The zoned area of the city (an alias that reads better at call sites).
type Area = Rect;

/// One Gaussian population centre, sigma in degrees along each axis.
#[derive(Debug, Clone, Copy)]
struct Centre {
    lon: f64,
    lat: f64,
    sigma_lon: f64,
    sigma_lat: f64,
}

/// Where children live: Gaussian centres over a uniform background.
#[derive(Debug, Clone)]
struct Population {
    area: Area,
    centres: Vec<Centre>,
    /// Running sums of the centres' weights, for picking one.
    cumulative: Vec<f64>,
}

impl Population {
    /// Four to seven centres in the middle 70 % of the area, each with a
    /// spread of 5–14 % of the side and a weight of 0.5–1.5.
    fn new(area: Area, rng: &mut ChaCha8Rng) -> Population {
        let count = rng.random_range(4..=7);
        let mut centres = Vec::with_capacity(count);
        let mut cumulative = Vec::with_capacity(count);
        let mut total = 0.0;
        for _ in 0..count {
            let spot = area.inner_point(0.15, rng);
            let spread = rng.random_range(0.05..0.14);
            centres.push(Centre {
                lon: spot.lon,
                lat: spot.lat,
                sigma_lon: spread * (area.east - area.west),
                sigma_lat: spread * (area.north - area.south),
            });
            total += rng.random_range(0.5..1.5);
            cumulative.push(total);
        }
        Population {
            area,
            centres,
            cumulative,
        }
    }

    /// A home inside the area (closed), drawn from the mixture.
    fn home(&self, rng: &mut ChaCha8Rng) -> Point {
        loop {
            let p = if rng.random_bool(BACKGROUND_SHARE) {
                self.area.inner_point(0.0, rng)
            } else {
                let centre = self.pick_centre(rng);
                Point::rounded(
                    centre.lon + centre.sigma_lon * standard_normal(rng),
                    centre.lat + centre.sigma_lat * standard_normal(rng),
                )
            };
            if self.area.covers(p) {
                return p;
            }
        }
    }

    /// A home 100 m to 1 km outside one of the area's four sides.
    fn outside_home(&self, rng: &mut ChaCha8Rng) -> Point {
        let a = self.area;
        let offset_km = rng.random_range(0.1..1.0);
        let along: f64 = rng.random();
        let lon_along = a.west + (a.east - a.west) * along;
        let lat_along = a.south + (a.north - a.south) * along;
        match rng.random_range(0..4u8) {
            0 => Point::rounded(a.west - offset_km / KM_PER_DEG_LON, lat_along),
            1 => Point::rounded(a.east + offset_km / KM_PER_DEG_LON, lat_along),
            2 => Point::rounded(lon_along, a.south - offset_km / KM_PER_DEG_LAT),
            _ => Point::rounded(lon_along, a.north + offset_km / KM_PER_DEG_LAT),
        }
    }

    /// A centre chosen with probability proportional to its weight.
    fn pick_centre(&self, rng: &mut ChaCha8Rng) -> Centre {
        let total = self.cumulative[self.cumulative.len() - 1];
        let u = rng.random_range(0.0..total);
        let i = self.cumulative.partition_point(|&c| c <= u);
        self.centres[i.min(self.centres.len() - 1)]
    }
}

/// An approximately standard normal number: the Irwin–Hall sum of twelve
/// uniforms minus six. Exact arithmetic only, so it is the same everywhere.
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let mut sum = 0.0;
    for _ in 0..12 {
        sum += rng.random::<f64>();
    }
    sum - 6.0
}

/// The zones of one level: rows of rectangles ("bricks") that tile the
/// area. Every row spans the full width and is cut into cells by its own
/// column lines; cells are numbered row by row from the south-west, which
/// is also the order of their zone ids.
#[derive(Debug, Clone)]
struct Grid {
    /// Row edges, south to north, strictly increasing.
    lats: Vec<f64>,
    /// Per row, its column edges, west to east, strictly increasing.
    lons: Vec<Vec<f64>>,
    /// Per row, the number of its first cell.
    first: Vec<usize>,
}

impl Grid {
    /// A grid over `area` whose cell `i` is meant for `counts[i]` schools,
    /// with `per_row[r]` cells in row `r`. Row and column lines sit at the
    /// homes' quantiles that give each cell the share of children matching
    /// its share of schools, pulled towards the same share of the area by
    /// `1 − GRID_FOLLOW`, so dense parts end up with more demand per school.
    fn fitted(area: Area, per_row: &[usize], counts: &[usize], homes: &[Point]) -> Grid {
        let mut inside: Vec<Point> = homes.iter().copied().filter(|p| area.covers(*p)).collect();
        inside.sort_unstable_by(|a, b| a.lat.total_cmp(&b.lat).then(a.lon.total_cmp(&b.lon)));

        let mut first = Vec::with_capacity(per_row.len());
        let mut row_schools = Vec::with_capacity(per_row.len());
        let mut next = 0;
        for &cells in per_row {
            first.push(next);
            row_schools.push(counts[next..next + cells].iter().sum());
            next += cells;
        }
        let all_lats: Vec<f64> = inside.iter().map(|p| p.lat).collect();
        let lats = fitted_edges(area.south, area.north, &row_schools, &all_lats);

        let mut lons = Vec::with_capacity(per_row.len());
        for (row, &start) in first.iter().enumerate() {
            // Homes on a row line belong to the row below (the smaller ids).
            let from = if row == 0 {
                0
            } else {
                inside.partition_point(|p| p.lat <= lats[row])
            };
            let to = inside.partition_point(|p| p.lat <= lats[row + 1]);
            let mut row_lons: Vec<f64> = inside[from..to].iter().map(|p| p.lon).collect();
            row_lons.sort_unstable_by(f64::total_cmp);
            let cells = &counts[start..start + per_row[row]];
            lons.push(fitted_edges(area.west, area.east, cells, &row_lons));
        }
        Grid { lats, lons, first }
    }

    fn cells(&self) -> usize {
        let last = self.lons.len() - 1;
        self.first[last] + self.lons[last].len() - 1
    }

    /// The cell covering `p`; on a shared edge the one with the smaller
    /// number, which is the zone whose id sorts first (spec §1).
    fn cell_at(&self, p: Point) -> Option<usize> {
        let row = edge_slot(&self.lats, p.lat)?;
        let col = edge_slot(&self.lons[row], p.lon)?;
        Some(self.first[row] + col)
    }

    /// The rectangle of cell `cell`.
    fn rect(&self, cell: usize) -> Rect {
        let row = self.first.partition_point(|&f| f <= cell) - 1;
        let col = cell - self.first[row];
        Rect {
            west: self.lons[row][col],
            south: self.lats[row],
            east: self.lons[row][col + 1],
            north: self.lats[row + 1],
        }
    }
}

/// Edges from `lo` to `hi` for slots of `weights`: edge `k` sits at the
/// quantile of `sorted` at the weight share before slot `k`, blended with
/// the same share of `hi − lo`, rounded to 7 decimals. The even part keeps
/// edges strictly increasing whatever the homes.
fn fitted_edges(lo: f64, hi: f64, weights: &[usize], sorted: &[f64]) -> Vec<f64> {
    let total: usize = weights.iter().sum();
    let mut edges = Vec::with_capacity(weights.len() + 1);
    edges.push(lo);
    let mut before = 0;
    for &weight in &weights[..weights.len() - 1] {
        before += weight;
        let share = before as f64 / total as f64;
        let even = lo + (hi - lo) * share;
        let edge = match sorted.get(before * sorted.len() / total) {
            Some(&quantile) => GRID_FOLLOW * quantile + (1.0 - GRID_FOLLOW) * even,
            None => even,
        };
        edges.push(round7(edge));
    }
    edges.push(hi);
    edges
}

/// The slot `i` with `edges[i] <= x <= edges[i + 1]`, the lower one on an
/// edge; `None` outside `[edges[0], edges[last]]`.
fn edge_slot(edges: &[f64], x: f64) -> Option<usize> {
    let (first, last) = (edges[0], edges[edges.len() - 1]);
    if !(first..=last).contains(&x) {
        return None;
    }
    Some(edges.partition_point(|&e| e < x).saturating_sub(1))
}

/// Cells per row of a level's grid: about `schools / 1.25` cells (never
/// more than `schools`, so every zone gets one) in about √cells rows.
fn grid_rows(schools: usize) -> Vec<usize> {
    let cells = ((schools as f64 / SCHOOLS_PER_CELL).round() as usize).clamp(1, schools.max(1));
    let rows = ((cells as f64).sqrt().round() as usize).max(1);
    (0..rows)
        .map(|r| cells / rows + usize::from(r < cells % rows))
        .collect()
}

/// How many public schools each of `cells` cells gets: one each, then the
/// remaining `schools − cells` to random cells holding fewer than three.
fn schools_per_cell(cells: usize, schools: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut counts = vec![1; cells];
    let mut open: Vec<usize> = (0..cells).collect();
    for _ in cells..schools {
        if open.is_empty() {
            // Only when schools > 3 × cells, which grid_rows never asks for.
            counts[rng.random_range(0..cells)] += 1;
            continue;
        }
        let slot = rng.random_range(0..open.len());
        let cell = open[slot];
        counts[cell] += 1;
        if counts[cell] == MAX_SCHOOLS_PER_ZONE {
            open.swap_remove(slot);
        }
    }
    counts
}

// ---------------------------------------------------------------------------
// Schools and applicants
// ---------------------------------------------------------------------------

/// The entry grade a school or applicant belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Primary,
    Junior,
}

impl Level {
    /// The `level` column value.
    fn name(self) -> &'static str {
        match self {
            Level::Primary => "primary",
            Level::Junior => "junior",
        }
    }

    /// The letter of the level's public school and zone ids.
    fn letter(self) -> char {
        match self {
            Level::Primary => 'P',
            Level::Junior => 'J',
        }
    }

    /// `max_class_size` of the level in the generated `policy.toml`.
    fn max_class_size(self) -> u32 {
        match self {
            Level::Primary => 45,
            Level::Junior => 50,
        }
    }

    /// Fewest and most entry classes a school of the level opens.
    fn class_range(self) -> (u32, u32) {
        match self {
            Level::Primary => (2, 8),
            Level::Junior => (3, 10),
        }
    }

    /// The public school name: 第n小学 or 第n中学.
    fn school_name(self, number: usize) -> String {
        match self {
            Level::Primary => format!("第{number}小学"),
            Level::Junior => format!("第{number}中学"),
        }
    }
}

/// One generated school.
#[derive(Debug, Clone)]
struct School {
    id: String,
    name: String,
    at: Point,
    classes: u32,
    /// `Some(40)` for the few schools with their own limit; blank otherwise.
    class_cap: Option<u32>,
    /// Blank (`None`), an explicit `0`, or a few seats held back.
    reserved: Option<u32>,
}

impl School {
    /// Effective class size: `min(class_cap, max_class_size)`.
    fn cap(&self, level: Level) -> u32 {
        let max = level.max_class_size();
        self.class_cap.map_or(max, |c| c.min(max))
    }

    /// Seats with `classes` classes: `classes × cap − reserved`, at least 0.
    fn seats_with(&self, level: Level, classes: u32) -> i64 {
        let seats = i64::from(classes) * i64::from(self.cap(level));
        (seats - i64::from(self.reserved.unwrap_or(0))).max(0)
    }

    fn seats(&self, level: Level) -> i64 {
        self.seats_with(level, self.classes)
    }
}

/// Draws the optional columns of a school: class_cap 40 for 8 %, reserved
/// blank for 85 %, `0` for 5 % and 1–5 seats for 10 %.
fn draw_limits(rng: &mut ChaCha8Rng) -> (Option<u32>, Option<u32>) {
    let class_cap = rng.random_bool(0.08).then_some(40);
    let u: f64 = rng.random();
    let reserved = if u < 0.85 {
        None
    } else if u < 0.90 {
        Some(0)
    } else {
        Some(rng.random_range(1..=5))
    };
    (class_cap, reserved)
}

/// A level's public schools and zones: zone `i` is cell `i` of the grid and
/// holds the schools listed in `zones[i]` (indices into `schools`).
#[derive(Debug, Clone)]
struct PublicPlan {
    /// `None` when the level has no public school (and so no zones).
    grid: Option<Grid>,
    zones: Vec<Vec<usize>>,
    schools: Vec<School>,
}

impl PublicPlan {
    /// The zone covering `p`, if any.
    fn zone_at(&self, p: Point) -> Option<usize> {
        self.grid.as_ref()?.cell_at(p)
    }
}

/// A household applying for one level: one child, or twins drawn together.
#[derive(Debug, Clone)]
struct Household {
    home: Point,
    /// 1, or 2 for twins (one group).
    children: usize,
    priority: u32,
    /// Indices into the level's private schools, most wanted first.
    private: Vec<usize>,
    /// Indices into the level's public schools, most wanted first.
    public: Vec<usize>,
}

/// Households with `applicants` children in all: ~1.5 % twins, 2 % homes
/// outside the area, priority tiers 1/2/3 at 80/15/5 %.
fn draw_households(applicants: usize, population: &Population, rng: &mut ChaCha8Rng) -> Vec<Household> {
    let mut households = Vec::with_capacity(applicants);
    let mut left = applicants;
    while left > 0 {
        let children = if left >= 2 && rng.random_bool(TWIN_SHARE) { 2 } else { 1 };
        let home = if rng.random_bool(OUTSIDE_SHARE) {
            population.outside_home(rng)
        } else {
            population.home(rng)
        };
        let u: f64 = rng.random();
        let priority = if u < 0.80 {
            1
        } else if u < 0.95 {
            2
        } else {
            3
        };
        households.push(Household {
            home,
            children,
            priority,
            private: Vec::new(),
            public: Vec::new(),
        });
        left -= children;
    }
    households
}

/// Zones and public schools of one level, sized for its `applicants`.
fn plan_public(
    level: Level,
    area: Area,
    schools: usize,
    applicants: usize,
    seat_ratio: Option<f64>,
    households: &[Household],
    rng: &mut ChaCha8Rng,
) -> PublicPlan {
    if schools == 0 {
        return PublicPlan {
            grid: None,
            zones: Vec::new(),
            schools: Vec::new(),
        };
    }
    let homes: Vec<Point> = households.iter().map(|h| h.home).collect();
    let per_row = grid_rows(schools);
    let counts = schools_per_cell(per_row.iter().sum(), schools, rng);
    let grid = Grid::fitted(area, &per_row, &counts, &homes);

    // Children per cell: the demand each zone's schools share.
    let mut children = vec![0.0; grid.cells()];
    for household in households {
        if let Some(cell) = grid.cell_at(household.home) {
            children[cell] += household.children as f64;
        }
    }

    let width = id_width(schools);
    let mut zones = Vec::with_capacity(grid.cells());
    let mut list = Vec::with_capacity(schools);
    let mut demand = Vec::with_capacity(schools);
    for (cell, &count) in counts.iter().enumerate() {
        let rect = grid.rect(cell);
        let mut members = Vec::with_capacity(count);
        for _ in 0..count {
            let number = list.len() + 1;
            let (class_cap, reserved) = draw_limits(rng);
            members.push(list.len());
            list.push(School {
                id: format!("{}{number:0width$}", level.letter()),
                name: level.school_name(number),
                at: rect.inner_point(0.1, rng),
                classes: 0,
                class_cap,
                reserved,
            });
            let noise = rng.random_range(0.75..1.25);
            demand.push(1.0 + noise * children[cell] / count as f64);
        }
        zones.push(members);
    }

    let drawn = rng.random_range(1.0..1.05);
    let target = (applicants as f64 * seat_ratio.unwrap_or(drawn)).ceil() as i64;
    size_schools(level, &mut list, &demand, target);
    PublicPlan {
        grid: Some(grid),
        zones,
        schools: list,
    }
}

/// Sets every school's `classes` within the level's range so that the
/// level's seats reach `target` (when the range allows) and exceed it by
/// less than one class, sharing seats in proportion to `demand`.
fn size_schools(level: Level, schools: &mut [School], demand: &[f64], target: i64) {
    let (min, max) = level.class_range();
    let total_demand: f64 = demand.iter().sum();
    let wanted: Vec<f64> = demand.iter().map(|d| target as f64 * d / total_demand).collect();
    for (school, want) in schools.iter_mut().zip(&wanted) {
        let per_class = f64::from(school.cap(level));
        let held = f64::from(school.reserved.unwrap_or(0));
        school.classes = (((want + held) / per_class).round() as u32).clamp(min, max);
    }
    let mut total: i64 = schools.iter().map(|s| s.seats(level)).sum();

    // Short of the target: a class more where seats fall shortest of demand.
    while total < target {
        let Some(i) = most(schools, &wanted, level, |s, want, seats| {
            (s.classes < max).then_some(want - seats)
        }) else {
            break;
        };
        let before = schools[i].seats(level);
        schools[i].classes += 1;
        total += schools[i].seats(level) - before;
    }
    // Over by a class or more: a class less where seats most exceed demand.
    loop {
        let slack = total - target;
        let Some(i) = most(schools, &wanted, level, |s, want, seats| {
            let freed = s.seats(level) - s.seats_with(level, s.classes.saturating_sub(1));
            (s.classes > min && freed <= slack).then_some(seats - want)
        }) else {
            break;
        };
        let before = schools[i].seats(level);
        schools[i].classes -= 1;
        total -= before - schools[i].seats(level);
    }
}

/// The school scoring highest under `score(school, wanted seats, seats)`
/// (`None` = not eligible); the first one on ties.
fn most(
    schools: &[School],
    wanted: &[f64],
    level: Level,
    score: impl Fn(&School, f64, f64) -> Option<f64>,
) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, (school, &want)) in schools.iter().zip(wanted).enumerate() {
        let Some(value) = score(school, want, school.seats(level) as f64) else {
            continue;
        };
        let better = match best {
            None => true,
            Some((_, b)) => value > b,
        };
        if better {
            best = Some((i, value));
        }
    }
    best.map(|(i, _)| i)
}

/// The level's private schools, numbered `numbers` (X ids are shared by
/// both levels), placed where people live and sized so that there are
/// about 0.6 seats per private applicant.
fn plan_private(
    level: Level,
    numbers: &[usize],
    width: usize,
    applicants: usize,
    population: &Population,
    rng: &mut ChaCha8Rng,
) -> Vec<School> {
    if numbers.is_empty() {
        return Vec::new();
    }
    let (min, max) = level.class_range();
    let seats_each = applicants as f64 * PRIVATE_SHARE * PRIVATE_SEATS_PER_APPLICANT / numbers.len() as f64;
    numbers
        .iter()
        .map(|&number| {
            let (class_cap, reserved) = draw_limits(rng);
            let mut school = School {
                id: format!("X{number:0width$}"),
                name: format!("民办第{number}学校"),
                at: population.home(rng),
                classes: 0,
                class_cap,
                reserved,
            };
            let classes = (seats_each / f64::from(school.cap(level))).round() as u32;
            school.classes = classes.clamp(min, max);
            school
        })
        .collect()
}

/// Draws the households' choices: 5 % apply to one or two private schools
/// of their level; 30 % of those living in a multi-school zone rank one to
/// three of its schools.
fn draw_choices(households: &mut [Household], public: &PublicPlan, private: usize, rng: &mut ChaCha8Rng) {
    for household in households {
        if private > 0 && rng.random_bool(PRIVATE_SHARE) {
            let k = if private >= 2 && rng.random_bool(0.5) { 2 } else { 1 };
            household.private = pick_distinct(private, k, rng);
        }
        let Some(zone) = public.zone_at(household.home) else {
            continue;
        };
        let members = &public.zones[zone];
        if members.len() >= 2 && rng.random_bool(PUBLIC_CHOICE_SHARE) {
            let k = rng.random_range(1..=members.len().min(3));
            household.public = pick_distinct(members.len(), k, rng)
                .into_iter()
                .map(|i| members[i])
                .collect();
        }
    }
}

/// `k` distinct numbers from `0..n` in random order (partial Fisher–Yates).
fn pick_distinct(n: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = rng.random_range(i..n);
        all.swap(i, j);
    }
    all.truncate(k);
    all
}

/// Everything generated for one level, ready to write.
#[derive(Debug, Clone)]
struct LevelData {
    level: Level,
    public: PublicPlan,
    private: Vec<School>,
    households: Vec<Household>,
}

/// Splits `n` into two thirds (rounded) and the rest.
fn split_two_thirds(n: usize) -> (usize, usize) {
    let first = (2 * n + 1) / 3;
    (first, n - first)
}

/// Digits of the numeric part of ids: at least 4, enough for `count`, so
/// that ids sort by bytes in numeric order.
fn id_width(count: usize) -> usize {
    count.max(1).to_string().len().max(4)
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// `schools.csv`: public schools level by level, then private schools.
fn schools_csv(levels: &[LevelData]) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("id,name,level,sector,lon,lat,classes,class_cap,reserved\n");
    for data in levels {
        for school in &data.public.schools {
            school_row(&mut out, school, data.level, "public");
        }
    }
    for data in levels {
        for school in &data.private {
            school_row(&mut out, school, data.level, "private");
        }
    }
    out
}

/// One `schools.csv` row (no field needs quoting).
fn school_row(out: &mut String, school: &School, level: Level, sector: &str) {
    let _ = write!(
        out,
        "{},{},{},{sector},{:.7},{:.7},{},",
        school.id,
        school.name,
        level.name(),
        school.at.lon,
        school.at.lat,
        school.classes
    );
    if let Some(cap) = school.class_cap {
        let _ = write!(out, "{cap}");
    }
    out.push(',');
    if let Some(reserved) = school.reserved {
        let _ = write!(out, "{reserved}");
    }
    out.push('\n');
}

/// `applicants.csv`: applicants `a0000001`… level by level; households
/// `h0000001`…; twins share a group `g000001`…, home, household, priority
/// and choices.
fn applicants_csv(levels: &[LevelData]) -> String {
    let rows: usize = levels.iter().map(|d| d.households.len()).sum();
    let mut out = String::with_capacity(96 * rows + 128);
    out.push_str("id,level,lon,lat,household,priority,zone,private_choices,public_choices,group\n");
    let (mut applicant, mut household_no, mut group_no) = (0usize, 0usize, 0usize);
    for data in levels {
        for household in &data.households {
            household_no += 1;
            if household.children > 1 {
                group_no += 1;
            }
            for _ in 0..household.children {
                applicant += 1;
                let _ = write!(
                    out,
                    "a{applicant:07},{},{:.7},{:.7},h{household_no:07},{},,",
                    data.level.name(),
                    household.home.lon,
                    household.home.lat,
                    household.priority
                );
                push_ids(&mut out, household.private.iter().map(|&i| &data.private[i]));
                out.push(',');
                push_ids(&mut out, household.public.iter().map(|&i| &data.public.schools[i]));
                out.push(',');
                if household.children > 1 {
                    let _ = write!(out, "g{group_no:06}");
                }
                out.push('\n');
            }
        }
    }
    out
}

/// School ids joined by `;`.
fn push_ids<'a>(out: &mut String, schools: impl Iterator<Item = &'a School>) {
    for (i, school) in schools.enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(&school.id);
    }
}

/// `zones.geojson`: one feature per line, each a counter-clockwise closed
/// rectangle; neighbours share edges written with identical digits.
fn zones_geojson(levels: &[LevelData]) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("{\"type\":\"FeatureCollection\",\"features\":[");
    let mut first = true;
    for data in levels {
        let Some(grid) = &data.public.grid else {
            continue;
        };
        let width = id_width(data.public.zones.len());
        for (i, members) in data.public.zones.iter().enumerate() {
            out.push_str(if first { "\n" } else { ",\n" });
            first = false;
            let _ = write!(
                out,
                "{{\"type\":\"Feature\",\"properties\":{{\"id\":\"Z{}{:0width$}\",\"level\":\"{}\",\"schools\":[",
                data.level.letter(),
                i + 1,
                data.level.name()
            );
            for (k, &s) in members.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                let _ = write!(out, "\"{}\"", data.public.schools[s].id);
            }
            let r = grid.rect(i);
            let _ = write!(
                out,
                "]}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{w:.7},{s:.7}],[{e:.7},{s:.7}],[{e:.7},{n:.7}],[{w:.7},{n:.7}],[{w:.7},{s:.7}]]]}}}}",
                w = r.west,
                s = r.south,
                e = r.east,
                n = r.north
            );
        }
    }
    out.push_str("\n]}\n");
    out
}

/// `policy.toml` of the synthetic round.
fn policy_toml(params: &SynthParams) -> String {
    format!(
        "seed = \"synthetic city {}\"\n\
         rule = \"{}\"\n\
         tie_breaking = \"single\"\n\
         groups = \"together\"\n\
         max_private_choices = 2\n\
         \n\
         [distance]\n\
         metric = \"haversine\"\n\
         \n\
         [fallback]\n\
         rule = \"nearest_vacancy\"\n\
         max_distance_m = 10000\n\
         \n\
         [levels.primary]\n\
         max_class_size = 45\n\
         [levels.junior]\n\
         max_class_size = 50\n",
        params.seed,
        toml_escape(&params.rule)
    )
}

/// Escapes `\` and `"` for a TOML basic string.
fn toml_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn small(seed: u64) -> SynthParams {
        SynthParams {
            applicants: 3_000,
            schools: 45,
            private: 5,
            seed,
            rule: "zone".to_string(),
            seat_ratio: None,
        }
    }

    /// A school row of `schools.csv`, parsed.
    struct SchoolRow {
        level: String,
        sector: String,
        lon: f64,
        lat: f64,
        classes: u32,
        class_cap: Option<u32>,
        reserved: u32,
    }

    fn read_csv(text: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().iter().map(str::to_string).collect();
        let rows = reader.records().map(Result::unwrap).collect();
        (headers, rows)
    }

    fn schools(files: &SynthFiles) -> BTreeMap<String, SchoolRow> {
        let (headers, rows) = read_csv(&files.schools_csv);
        assert_eq!(
            headers,
            [
                "id",
                "name",
                "level",
                "sector",
                "lon",
                "lat",
                "classes",
                "class_cap",
                "reserved"
            ]
        );
        let mut map = BTreeMap::new();
        for r in rows {
            let row = SchoolRow {
                level: r[2].to_string(),
                sector: r[3].to_string(),
                lon: r[4].parse().unwrap(),
                lat: r[5].parse().unwrap(),
                classes: r[6].parse().unwrap(),
                class_cap: (!r[7].is_empty()).then(|| r[7].parse().unwrap()),
                reserved: if r[8].is_empty() { 0 } else { r[8].parse().unwrap() },
            };
            assert!(!r[1].is_empty());
            assert!(map.insert(r[0].to_string(), row).is_none(), "duplicate id");
        }
        map
    }

    /// A zone: id, level, schools and its rectangle in units of 1e-7 degree.
    struct ZoneRow {
        id: String,
        level: String,
        schools: Vec<String>,
        rect: [i64; 4],
    }

    fn units(v: &serde_json::Value) -> i64 {
        (v.as_f64().unwrap() * 1e7).round() as i64
    }

    fn zones(files: &SynthFiles) -> Vec<ZoneRow> {
        let doc: serde_json::Value = serde_json::from_str(&files.zones_geojson).unwrap();
        assert_eq!(doc["type"], "FeatureCollection");
        let mut out = Vec::new();
        for f in doc["features"].as_array().unwrap() {
            assert_eq!(f["type"], "Feature");
            let props = f["properties"].as_object().unwrap();
            let keys: Vec<&str> = props.keys().map(String::as_str).collect();
            assert_eq!(keys, ["id", "level", "schools"]);
            assert_eq!(f["geometry"]["type"], "Polygon");
            let rings = f["geometry"]["coordinates"].as_array().unwrap();
            assert_eq!(rings.len(), 1);
            let ring: Vec<(i64, i64)> = rings[0]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (units(&p[0]), units(&p[1])))
                .collect();
            assert_eq!(ring.len(), 5);
            assert_eq!(ring[0], ring[4], "ring closed");
            let twice_area: i128 = ring
                .windows(2)
                .map(|w| i128::from(w[0].0) * i128::from(w[1].1) - i128::from(w[1].0) * i128::from(w[0].1))
                .sum();
            assert!(twice_area > 0, "counter-clockwise");
            let (w, s, e, n) = (ring[0].0, ring[0].1, ring[2].0, ring[2].1);
            assert_eq!(ring, [(w, s), (e, s), (e, n), (w, n), (w, s)], "axis-aligned");
            out.push(ZoneRow {
                id: props["id"].as_str().unwrap().to_string(),
                level: props["level"].as_str().unwrap().to_string(),
                schools: props["schools"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect(),
                rect: [w, s, e, n],
            });
        }
        out
    }

    #[test]
    fn same_params_same_bytes_and_seed_matters() {
        let a = scenario_texts(&small(11));
        let b = scenario_texts(&small(11));
        assert_eq!(a, b);
        let c = scenario_texts(&small(12));
        assert_ne!(a.applicants_csv, c.applicants_csv);
        assert_ne!(a.schools_csv, c.schools_csv);
        assert_ne!(a.policy_toml, c.policy_toml);
    }

    #[test]
    fn policy_is_exactly_the_contract_text() {
        let params = SynthParams {
            seed: 42,
            rule: "nearest".to_string(),
            ..small(1)
        };
        let expected = "seed = \"synthetic city 42\"\nrule = \"nearest\"\ntie_breaking = \"single\"\ngroups = \"together\"\nmax_private_choices = 2\n\n[distance]\nmetric = \"haversine\"\n\n[fallback]\nrule = \"nearest_vacancy\"\nmax_distance_m = 10000\n\n[levels.primary]\nmax_class_size = 45\n[levels.junior]\nmax_class_size = 50\n";
        assert_eq!(scenario_texts(&params).policy_toml, expected);
    }

    #[test]
    fn row_counts_and_level_split() {
        let params = small(3);
        let files = scenario_texts(&params);
        let schools = schools(&files);
        assert_eq!(schools.len(), params.schools + params.private);
        let public_primary = schools
            .values()
            .filter(|s| s.sector == "public" && s.level == "primary")
            .count();
        assert_eq!(public_primary, 30);
        assert_eq!(schools.values().filter(|s| s.sector == "private").count(), 5);
        let (_, rows) = read_csv(&files.applicants_csv);
        assert_eq!(rows.len(), params.applicants);
        assert_eq!(rows.iter().filter(|r| &r[1] == "primary").count(), 2_000);
    }

    #[test]
    fn schools_follow_the_contract() {
        let files = scenario_texts(&small(4));
        for (id, s) in schools(&files) {
            let (min, max) = if s.level == "primary" { (2, 8) } else { (3, 10) };
            assert!((min..=max).contains(&s.classes), "{id} classes {}", s.classes);
            assert!(matches!(s.class_cap, None | Some(40)));
            assert!(s.reserved <= 5);
            let prefix = match (s.sector.as_str(), s.level.as_str()) {
                ("private", _) => 'X',
                (_, "primary") => 'P',
                _ => 'J',
            };
            assert!(id.starts_with(prefix), "{id}");
        }
    }

    #[test]
    fn every_public_school_in_exactly_one_zone_of_its_level() {
        let files = scenario_texts(&small(5));
        let schools = schools(&files);
        let zones = zones(&files);
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut ids = BTreeSet::new();
        for zone in &zones {
            assert!(ids.insert(zone.id.as_str()), "zone ids unique");
            assert!(!zone.schools.is_empty() && zone.schools.len() <= 3);
            for id in &zone.schools {
                let school = schools.get(id).expect("zone names a known school");
                assert_eq!(school.level, zone.level);
                assert_eq!(school.sector, "public");
                let [w, s, e, n] = zone.rect;
                let (x, y) = ((school.lon * 1e7).round() as i64, (school.lat * 1e7).round() as i64);
                assert!(w < x && x < e && s < y && y < n, "{id} inside its zone");
                *seen.entry(id).or_default() += 1;
            }
        }
        for (id, s) in &schools {
            if s.sector == "public" {
                assert_eq!(seen.get(id.as_str()), Some(&1), "{id}");
            }
        }
        let multi = zones.iter().filter(|z| z.schools.len() > 1).count() as f64;
        let share = multi / zones.len() as f64;
        assert!((0.1..=0.4).contains(&share), "multi-school share {share}");
    }

    #[test]
    fn zone_rectangles_tile_the_area_per_level() {
        let files = scenario_texts(&small(6));
        let zones = zones(&files);
        let mut boxes = Vec::new();
        for level in ["primary", "junior"] {
            let rects: Vec<[i64; 4]> = zones.iter().filter(|z| z.level == level).map(|z| z.rect).collect();
            assert!(rects.len() > 1);
            for (i, a) in rects.iter().enumerate() {
                for b in &rects[i + 1..] {
                    let overlap = a[2].min(b[2]) > a[0].max(b[0]) && a[3].min(b[3]) > a[1].max(b[1]);
                    assert!(!overlap, "{a:?} overlaps {b:?}");
                }
            }
            let bbox = [
                rects.iter().map(|r| r[0]).min().unwrap(),
                rects.iter().map(|r| r[1]).min().unwrap(),
                rects.iter().map(|r| r[2]).max().unwrap(),
                rects.iter().map(|r| r[3]).max().unwrap(),
            ];
            let area = |r: &[i64; 4]| i128::from(r[2] - r[0]) * i128::from(r[3] - r[1]);
            let sum: i128 = rects.iter().map(area).sum();
            assert_eq!(sum, area(&bbox), "disjoint rectangles filling the bounding box");
            boxes.push(bbox);
        }
        assert_eq!(boxes[0], boxes[1], "both levels tile the same area");
    }

    #[test]
    fn applicants_are_well_formed() {
        let params = small(7);
        let files = scenario_texts(&params);
        let schools = schools(&files);
        let zones = zones(&files);
        let (headers, rows) = read_csv(&files.applicants_csv);
        assert_eq!(
            headers,
            [
                "id",
                "level",
                "lon",
                "lat",
                "household",
                "priority",
                "zone",
                "private_choices",
                "public_choices",
                "group"
            ]
        );
        let area = Rect::for_schools(params.schools);
        let mut outside = 0;
        let mut groups: BTreeMap<String, Vec<&csv::StringRecord>> = BTreeMap::new();
        let mut with_private = 0;
        let mut priorities = [0usize; 4];
        for r in &rows {
            let (lon, lat): (f64, f64) = (r[2].parse().unwrap(), r[3].parse().unwrap());
            assert!((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat));
            assert!((area.west - 0.02..=area.east + 0.02).contains(&lon));
            assert!((area.south - 0.02..=area.north + 0.02).contains(&lat));
            let home = Point { lon, lat };
            let zone = zones.iter().find(|z| {
                z.level == r[1]
                    && Rect {
                        west: z.rect[0] as f64 / 1e7,
                        south: z.rect[1] as f64 / 1e7,
                        east: z.rect[2] as f64 / 1e7,
                        north: z.rect[3] as f64 / 1e7,
                    }
                    .covers(home)
            });
            if !area.covers(home) {
                outside += 1;
                assert!(zone.is_none());
            }
            assert!(r[4].starts_with('h'));
            let priority: usize = r[5].parse().unwrap();
            priorities[priority] += 1;
            assert_eq!(&r[6], "", "zone column blank");
            if !r[7].is_empty() {
                with_private += 1;
                let ids: Vec<&str> = r[7].split(';').collect();
                assert!(ids.len() <= 2 && ids.first() != ids.get(1));
                for id in ids {
                    let s = &schools[id];
                    assert!(s.sector == "private" && s.level == r[1]);
                }
            }
            if !r[8].is_empty() {
                let zone = zone.expect("public choices only inside a zone");
                assert!(zone.schools.len() > 1);
                let ids: BTreeSet<&str> = r[8].split(';').collect();
                assert_eq!(ids.len(), r[8].split(';').count(), "distinct");
                assert!(ids.iter().all(|id| zone.schools.iter().any(|z| z == id)));
            }
            if !r[9].is_empty() {
                groups.entry(r[9].to_string()).or_default().push(r);
            }
        }
        let n = rows.len() as f64;
        assert!((0.005..0.04).contains(&(outside as f64 / n)), "outside {outside}");
        assert!(
            (0.03..0.08).contains(&(with_private as f64 / n)),
            "private {with_private}"
        );
        assert!((0.74..0.86).contains(&(priorities[1] as f64 / n)));
        assert!(!groups.is_empty());
        for members in groups.values() {
            assert_eq!(members.len(), 2);
            let (a, b) = (members[0], members[1]);
            for column in [1, 2, 3, 4, 5, 7, 8] {
                assert_eq!(a[column], b[column]);
            }
        }
    }

    #[test]
    fn public_seats_match_demand_per_level() {
        assert_seat_ratio(&SynthParams::district(), 1.0..=1.06);
    }

    #[test]
    fn seat_ratio_sets_public_seats_per_applicant() {
        for ratio in [0.95, 1.05] {
            let params = SynthParams {
                seat_ratio: Some(ratio),
                ..SynthParams::district()
            };
            // Seats reach the target and exceed it by less than one class.
            assert_seat_ratio(&params, ratio..=ratio + 0.01);
        }
    }

    fn assert_seat_ratio(params: &SynthParams, range: std::ops::RangeInclusive<f64>) {
        let files = scenario_texts(params);
        let (_, rows) = read_csv(&files.applicants_csv);
        for (level, max) in [("primary", 45), ("junior", 50)] {
            let seats: u32 = schools(&files)
                .values()
                .filter(|s| s.level == level && s.sector == "public")
                .map(|s| (s.classes * s.class_cap.unwrap_or(max).min(max)).saturating_sub(s.reserved))
                .sum();
            let applicants = rows.iter().filter(|r| &r[1] == level).count() as f64;
            let ratio = f64::from(seats) / applicants;
            assert!(range.contains(&ratio), "{level}: {ratio}");
        }
    }

    #[test]
    fn shared_edges_decide_the_lower_zone() {
        let grid = Grid {
            lats: vec![0.0, 1.0, 2.0],
            lons: vec![vec![0.0, 1.0, 2.0], vec![0.0, 1.0, 2.0]],
            first: vec![0, 2],
        };
        assert_eq!(grid.cell_at(Point { lon: 1.0, lat: 1.0 }), Some(0));
        assert_eq!(grid.cell_at(Point { lon: 1.5, lat: 1.0 }), Some(1));
        assert_eq!(grid.cell_at(Point { lon: 2.0, lat: 2.0 }), Some(3));
        assert_eq!(grid.cell_at(Point { lon: 0.0, lat: 1.5 }), Some(2));
        assert_eq!(grid.cell_at(Point { lon: 2.1, lat: 1.0 }), None);
    }

    #[test]
    fn tiny_and_empty_instances_are_valid() {
        for (applicants, schools, private) in [(0, 0, 0), (1, 1, 1), (5, 2, 0), (40, 3, 3)] {
            let params = SynthParams {
                applicants,
                schools,
                private,
                seed: 9,
                rule: "zone".to_string(),
                seat_ratio: None,
            };
            let files = scenario_texts(&params);
            assert_eq!(read_csv(&files.applicants_csv).1.len(), applicants);
            assert_eq!(self::schools(&files).len(), schools + private);
            let zones = zones(&files);
            let named: usize = zones.iter().map(|z| z.schools.len()).sum();
            assert_eq!(named, schools);
        }
    }

    #[test]
    fn write_scenario_writes_the_four_files() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("nested").join("city");
        let params = small(8);
        write_scenario(&params, &target).unwrap();
        let files = scenario_texts(&params);
        let read = |name: &str| std::fs::read_to_string(target.join(name)).unwrap();
        assert_eq!(read("schools.csv"), files.schools_csv);
        assert_eq!(read("applicants.csv"), files.applicants_csv);
        assert_eq!(read("zones.geojson"), files.zones_geojson);
        assert_eq!(read("policy.toml"), files.policy_toml);
    }
}
