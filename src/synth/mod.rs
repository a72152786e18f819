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
//! With [`SynthParams::seat_noise`] σ > 0, each public school's share of
//! its zone's demand is further multiplied by a log-normal factor
//! `exp(σ·Z)` (Z standard normal) before the level is sized, so seats
//! scatter around demand as in fast-growing suburbs: some zones get far
//! too few seats, others too many. [`SynthParams::max_distance_m`] is the
//! `fallback.max_distance_m` written to `policy.toml` (it also bounds rule
//! `optimal`).
//!
//! Everything is drawn from one `ChaCha8Rng` seeded with
//! [`SynthParams::seed`], using only arithmetic that IEEE 754 rounds exactly
//! (no `sin`, `exp` or `ln` from the platform, so no `libm` differences;
//! the seat noise uses [`portable_exp`]). The seat noise has its own stream
//! of the same seed, so σ changes only the seat counts. The same
//! parameters therefore give byte-identical files on every platform.
//! Coordinates are rounded to 7 decimals (about 1 cm) before any
//! point-in-zone decision, so the generator and a reader of the files agree
//! on which zone holds each home, even on a shared edge.
//!
//! # Examples
//! ```
//! use catchment::synth::{scenario_texts, SynthParams};
//!
//! let params = SynthParams { applicants: 300, schools: 9, private: 2, seed: 7, ..SynthParams::default() };
//! let files = scenario_texts(&params);
//! assert_eq!(files.applicants_csv.lines().count(), 1 + 300);
//! assert!(files.policy_toml.starts_with("seed = \"synthetic city 7\"\n"));
//! ```

mod files;
mod plan;
#[cfg(test)]
mod tests;

use files::{applicants_csv, id_width, policy_toml, schools_csv, split_two_thirds, zones_geojson};
use plan::{draw_choices, plan_private, plan_public};

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
/// `fallback.max_distance_m` of the presets, metres.
pub const DEFAULT_MAX_DISTANCE_M: f64 = 10_000.0;
/// The `ChaCha8Rng` stream of the seat noise (the main stream is 0).
const SEAT_NOISE_STREAM: u64 = 1;

/// Parameters of a synthetic city.
///
/// The presets [`SynthParams::district`] (also the [`Default`]) and
/// [`SynthParams::city`] are the benchmark sizes; tests build small
/// instances with a struct literal ending in `..SynthParams::default()`.
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
    /// σ of the log-normal noise on each public school's share of demand
    /// (e.g. 0.6); 0 (the default) adds none and leaves every file as
    /// without it.
    pub seat_noise: f64,
    /// `fallback.max_distance_m` in `policy.toml`, metres (default 10,000);
    /// `None` leaves it out (no limit).
    pub max_distance_m: Option<f64>,
}

impl Default for SynthParams {
    /// The district preset.
    fn default() -> Self {
        SynthParams::district()
    }
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
            seat_noise: 0.0,
            max_distance_m: Some(DEFAULT_MAX_DISTANCE_M),
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
            seat_noise: 0.0,
            max_distance_m: Some(DEFAULT_MAX_DISTANCE_M),
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
/// let files = scenario_texts(&SynthParams { applicants: 50, schools: 3, private: 0, rule: "nearest".into(), ..SynthParams::default() });
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
/// let params = SynthParams { applicants: 200, schools: 6, private: 2, seed: 3, ..SynthParams::default() };
/// assert_eq!(scenario_texts(&params), scenario_texts(&params));
/// ```
pub fn scenario_texts(params: &SynthParams) -> SynthFiles {
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    // The seat noise draws from its own stream, so the main stream (and
    // so every other draw) is the same whatever σ.
    let mut noise_rng = ChaCha8Rng::seed_from_u64(params.seed);
    noise_rng.set_stream(SEAT_NOISE_STREAM);
    let mut noise = SeatNoise {
        sigma: params.seat_noise,
        rng: &mut noise_rng,
    };
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
            &mut noise,
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

/// The log-normal seat noise of one scenario: σ and its own random stream.
struct SeatNoise<'a> {
    sigma: f64,
    rng: &'a mut ChaCha8Rng,
}

impl SeatNoise<'_> {
    /// The next factor `exp(σ·Z)`; exactly 1 (and nothing drawn) when σ is 0.
    fn factor(&mut self) -> f64 {
        if self.sigma == 0.0 {
            return 1.0;
        }
        portable_exp(self.sigma * standard_normal(self.rng))
    }
}

/// `e^x` from IEEE 754 arithmetic alone (no platform `libm`), so that the
/// generator's files are the same everywhere: `x = k·ln 2 + r` with
/// `|r| ≤ ln 2 / 2`, a Taylor series for `e^r` (relative error below
/// 10⁻¹⁵), then `k` exact doublings or halvings. Meant for moderate `x`
/// (|x| < 700); the result saturates to 0 or infinity beyond.
///
/// ```
/// use catchment::synth::portable_exp;
/// assert_eq!(portable_exp(0.0), 1.0);
/// assert!((portable_exp(1.0) - std::f64::consts::E).abs() < 1e-14);
/// assert!((portable_exp(-3.5) - (-3.5f64).exp()).abs() < 1e-15);
/// ```
pub fn portable_exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let x = x.clamp(-745.0, 710.0);
    let k = (x / std::f64::consts::LN_2).round();
    // ln 2 split so that k·LN2_HI is exact for |k| < 2^20.
    // The digits as published for the split (fdlibm); the f64 they round
    // to is what counts.
    #[allow(clippy::excessive_precision)]
    const LN2_HI: f64 = 6.931_471_803_691_238_2e-1;
    #[allow(clippy::excessive_precision)]
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let (mut term, mut sum) = (1.0, 1.0);
    for n in 1..=20 {
        term = term * r / f64::from(n);
        sum += term;
    }
    let mut k = k as i32;
    while k > 0 {
        sum *= 2.0;
        k -= 1;
    }
    while k < 0 {
        sum *= 0.5;
        k += 1;
    }
    sum
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

/// Everything generated for one level, ready to write.
#[derive(Debug, Clone)]
struct LevelData {
    level: Level,
    public: PublicPlan,
    private: Vec<School>,
    households: Vec<Household>,
}
