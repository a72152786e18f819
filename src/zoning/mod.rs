//! Drawing a catchment map (学区划分, `catchment propose-zones`): contiguous
//! single-school zones that fit the seats, with homes near their school.
//!
//! [`propose`] reads top-down, one level at a time:
//! 1. **the area** to cover: the union of the scenario's zones of the level,
//!    or without zones the convex hull of homes and schools widened by one
//!    unit ([`units::Area`]);
//! 2. **units**: a square or hexagonal grid clipped to the area
//!    ([`units::grid`]) or blocks from a GeoJSON file ([`blocks`]); a unit
//!    holding several schools is split between them by their Voronoi cells;
//! 3. **demand**: the level's applicants whose home lies in each unit (or a
//!    block's population);
//! 4. **capacities**: `seats × (1 + slack)`, or, when the level's seats
//!    cannot hold its demand even so, the shortfall spread over the schools
//!    in proportion to their seats (and said in the notes);
//! 5. **the lower bound**: the exact capacitated minimum-cost flow of pupils
//!    to schools ([`crate::flow`]) with the same capacities and no
//!    contiguity: no map can do better, so `total − bound` is a true gap;
//! 6. **assignment** ([`assign`]): the flow's choice per unit, contiguity
//!    repair, local search, capacity repair by preflow pushes and ejection
//!    chains, local search again; while zones stay over capacity, the square
//!    cells on the borders the repair works across are quartered and the
//!    repair run again, up to three levels ([`refine`]);
//! 7. **polygons**: each zone's units dissolved with geo's boolean union
//!    ([`dissolve`]) in the local plane ([`plane`]), grid vertices snapped
//!    back onto the lattice so neighbouring zones share their edges.
//!
//! `--move-cost M` adds `M` metres to the cost of every pupil sent to a
//! school other than today's zone school, in the bound and in the map alike.

pub mod assign;
pub mod blocks;
pub mod output;
pub mod plane;
pub mod pool;
pub mod refine;
pub mod units;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use geo::{Area as _, BooleanOps, Centroid, Coord, InteriorPoint, LineString, MultiPolygon, Polygon};

use crate::distance::haversine;
use crate::error::{Diagnostics, Error, Location};
use crate::flow::{self, CostModel};
use crate::geo_index::{school_tree, NearestSchools, SchoolPoint, ZoneIndex};
use crate::scenario::{Level, Scenario, School, SchoolIdx, Sector, Zone};

use assign::NONE;
use plane::Plane;
use units::{Area, GridShape, Lattice, Locator};

pub use units::GridShape as Shape;

/// Two units are neighbours when their boundaries run within this many
/// metres of each other: grid cells share exact lattice coordinates, so
/// this only absorbs the last bits of clipping (geo's boolean operations
/// work on a fixed-point grid of about 1e-7 m for a cell); a real gap
/// between today's zones is wider and keeps units apart.
const ADJACENCY_TOL_M: f64 = 1e-5;

/// ... over at least this many metres.
const MIN_SHARED_M: f64 = 0.01;

/// Cracks narrower than twice this (metres) between today's zones are closed.
const CLOSING_M: f64 = 0.01;

/// The area today's zones cover, in the plane: their union, with enclosed
/// slivers (holes smaller than one unit) filled, so that a gap of a few
/// square metres between two zones neither splits a cell nor a zone.
fn covered(zones: &[&Zone], plane: &Plane, unit_m: f64) -> Vec<Polygon<f64>> {
    use geo::algorithm::buffer::{Buffer, BufferStyle, LineJoin};
    let parts: Vec<Polygon<f64>> = zones.iter().flat_map(|z| plane.area_to_xy(&z.area).0).collect();
    // A closing by 1 cm (grow, then shrink, mitred corners) removes the
    // cracks that hand-drawn neighbouring zones leave between them.
    let grown = union_of(&parts).buffer_with_style(BufferStyle::new(CLOSING_M).line_join(LineJoin::Miter(10.0)));
    grown
        .buffer_with_style(BufferStyle::new(-CLOSING_M).line_join(LineJoin::Miter(10.0)))
        .0
        .into_iter()
        .map(|p| {
            let (ext, holes) = p.into_inner();
            let keep = holes
                .into_iter()
                .filter(|h| Polygon::new(h.clone(), Vec::new()).unsigned_area() >= unit_m * unit_m)
                .collect();
            Polygon::new(ext, keep)
        })
        .collect()
}

/// The union of polygons, each oriented first (exteriors counter-clockwise,
/// holes clockwise): `geo::unary_union` reads the fill rule from the first
/// ring's winding, so a polygon wound the other way is silently left out
/// (on NSW Mid-Coast it dropped 6,000 of the 8,500 km² of junior zones).
pub fn union_of<'p>(polygons: impl IntoIterator<Item = &'p Polygon<f64>>) -> MultiPolygon<f64> {
    use geo::orient::{Direction, Orient};
    let oriented: Vec<Polygon<f64>> = polygons.into_iter().map(|p| p.orient(Direction::Default)).collect();
    geo::unary_union(&oriented)
}

/// Smallest and largest `--unit-m`.
pub const UNIT_M_RANGE: (f64, f64) = (20.0, 5000.0);

/// How to draw the map.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoningOptions {
    /// The level to draw; `None` draws every level with public schools.
    pub level: Option<Level>,
    /// Grid cell size, metres (square side; a hexagon has the same area).
    pub unit_m: f64,
    /// Square or hexagonal cells.
    pub shape: GridShape,
    /// Blocks to use instead of a grid (GeoJSON), with the name of their
    /// optional population property.
    pub units: Option<blocks::BlockSource>,
    /// Allowed excess over seats, e.g. 0.05 for 5 %.
    pub slack: f64,
    /// Metres added for each pupil sent to a school other than today's.
    pub move_cost_m: f64,
    /// Move costs to tabulate (`--move-cost-sweep`); empty for none.
    pub sweep: Vec<f64>,
    /// Repair invalid block geometry (the global `--repair`).
    pub repair: bool,
    /// Merge oversubscribed zones with neighbours that have spare seats
    /// into multi-school zones where that sends fewer children to
    /// district placement or leaves fewer unplaced (`--pool`, [`pool`]).
    pub pool: bool,
}

impl Default for ZoningOptions {
    fn default() -> Self {
        ZoningOptions {
            level: None,
            unit_m: 200.0,
            shape: GridShape::Square,
            units: None,
            slack: 0.05,
            move_cost_m: 0.0,
            sweep: Vec::new(),
            repair: false,
            pool: false,
        }
    }
}

/// One proposed zone.
#[derive(Debug, Clone)]
pub struct ProposedZone {
    /// Zone id: `P-<school id>` (primary) or `J-<school id>` (junior).
    pub id: String,
    /// Its level.
    pub level: Level,
    /// Its school.
    pub school: SchoolIdx,
    /// The school's seats.
    pub seats: u32,
    /// Most pupils the map aimed to put in it (`seats × (1 + slack)` or the
    /// proportional share).
    pub cap: u32,
    /// Applicants whose home the zone covers (spec §1 rule: a home on a
    /// boundary goes to the zone whose id sorts first).
    pub demand: u32,
    /// Mean home–school distance of those applicants, metres.
    pub mean_distance_m: Option<f64>,
    /// Share of those applicants whose nearest school of the level is this one.
    pub share_nearest: Option<f64>,
    /// Units in the zone.
    pub units: usize,
    /// The zone, WGS84 lon/lat.
    pub area: MultiPolygon<f64>,
}

/// One row of the move-cost trade-off table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SweepRow {
    /// Move cost, metres per pupil.
    pub move_cost_m: f64,
    /// Total home–school distance of the map, metres.
    pub total_distance_m: f64,
    /// Mean distance, metres.
    pub mean_distance_m: Option<f64>,
    /// Pupils whose zone school is not one of today's zone's schools.
    pub pupils_moved: u64,
    /// Households with such a pupil.
    pub households_moved: u64,
    /// Pupils over capacity.
    pub excess: u64,
}

/// The proposal for one level.
#[derive(Debug, Clone)]
pub struct LevelProposal {
    /// The level.
    pub level: Level,
    /// Zones sorted by id.
    pub zones: Vec<ProposedZone>,
    /// Units used.
    pub units: usize,
    /// Applicants of the level.
    pub applicants: u64,
    /// Applicants whose home is in some unit reached by a school (the demand).
    pub pupils: u64,
    /// Homes outside the area (no zone).
    pub homes_outside: u64,
    /// Homes in parts of the area that no school's units reach (no zone).
    pub homes_unreached: u64,
    /// Sum of pupils' distances to their zone's school, metres (units' pupils).
    pub total_distance_m: f64,
    /// Objective: distance plus move cost × pupils moved, metres.
    pub objective_m: f64,
    /// The flow's optimum of the same objective without contiguity.
    pub lower_bound_m: f64,
    /// Pupils over capacity in the units' demand (0 when it fits).
    pub excess: u64,
    /// Capacities were cut to the seats in proportion (seats too few).
    pub shortfall_spread: bool,
    /// Pupils and households moved against today's map (`None` without zones).
    pub moved: Option<(u64, u64)>,
    /// Move-cost trade-off.
    pub sweep: Vec<SweepRow>,
    /// Notes and warnings (schools outside the area, split zones, …).
    pub notes: Vec<String>,
    /// What `--pool` did (`None` without it).
    pub pooling: Option<pool::Pooling>,
}

/// A whole proposal: every level drawn, plus the scenario's zones of other
/// levels carried over unchanged (when `--level` names one).
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The levels drawn.
    pub levels: Vec<LevelProposal>,
    /// Today's zones of the levels not drawn, carried into the map.
    pub carried: Vec<Zone>,
    /// The options used.
    pub options: ZoningOptions,
}

impl Proposal {
    /// The proposed map as zones, sorted by id (the drawn levels and those carried over).
    pub fn zones(&self) -> Vec<Zone> {
        let mut zones: Vec<Zone> = self
            .levels
            .iter()
            .flat_map(|l| &l.zones)
            .filter(|z| !self.pooled(&z.id))
            .map(|z| Zone {
                id: z.id.clone(),
                level: z.level,
                schools: vec![z.school],
                area: z.area.clone(),
                feature: 0,
            })
            .chain(self.pools().map(|p| Zone {
                id: p.id.clone(),
                level: p.level,
                schools: p.schools.clone(),
                area: p.area.clone(),
                feature: 0,
            }))
            .chain(self.carried.iter().cloned())
            .collect();
        zones.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
        for (i, z) in zones.iter_mut().enumerate() {
            z.feature = i;
        }
        zones
    }

    /// Every multi-school zone made by `--pool`, level by level.
    pub fn pools(&self) -> impl Iterator<Item = &pool::Pool> {
        self.levels.iter().flat_map(|l| l.pooling.iter().flat_map(|p| &p.pools))
    }

    /// The pool a proposed single-school zone was merged into, if any.
    pub fn pool_of(&self, zone_id: &str) -> Option<&pool::Pool> {
        self.pools().find(|p| p.members.iter().any(|m| m == zone_id))
    }

    fn pooled(&self, zone_id: &str) -> bool {
        self.pool_of(zone_id).is_some()
    }

    /// The scenario with the proposed map (rule `zone`): applicants' registry
    /// zones that the map no longer has are dropped, as `compare` does.
    pub fn scenario(&self, scenario: &Scenario) -> Scenario {
        let zones = self.zones();
        let mut after = scenario.clone();
        let ids: HashMap<&str, usize> = zones.iter().enumerate().map(|(i, z)| (z.id.as_str(), i)).collect();
        for a in &mut after.applicants {
            a.zone = a
                .zone
                .and_then(|z| ids.get(scenario.zone(z).id.as_str()))
                .map(|&i| crate::scenario::ZoneIdx(i as u32));
        }
        after.zones = zones;
        after.policy.rule = crate::scenario::Rule::Zone;
        after
    }
}

/// The prefix of zone ids of a level.
fn prefix(level: Level) -> &'static str {
    match level {
        Level::Primary => "P-",
        Level::Junior => "J-",
    }
}

/// Draws the map for the chosen levels. Errors: a level with no public
/// school (exit 1), an unreadable or invalid units file.
pub fn propose(scenario: &Scenario, options: &ZoningOptions) -> Result<Proposal, Error> {
    let mut diags = Diagnostics::default();
    if !(UNIT_M_RANGE.0..=UNIT_M_RANGE.1).contains(&options.unit_m) {
        return Err(Error::Usage(format!(
            "--unit-m {} is out of range: expected {} to {} metres",
            options.unit_m, UNIT_M_RANGE.0, UNIT_M_RANGE.1
        )));
    }
    if !(0.0..=10.0).contains(&options.slack) {
        return Err(Error::Usage(format!(
            "--slack {} is out of range: expected 0 to 10",
            options.slack
        )));
    }
    let public = |l: Level| {
        scenario
            .schools
            .iter()
            .any(|s| s.level == l && s.sector == Sector::Public)
    };
    let levels: Vec<Level> = match options.level {
        Some(l) => {
            if !public(l) {
                diags.error(
                    "schools.csv",
                    Location::File,
                    format!(
                        "no public school of level {}; propose-zones needs at least one",
                        l.as_str()
                    ),
                );
                return Err(Error::Input(diags));
            }
            vec![l]
        }
        None => Level::ALL
            .into_iter()
            .filter(|&l| public(l) && scenario.applicants.iter().any(|a| a.level == l))
            .collect(),
    };
    if levels.is_empty() {
        diags.error(
            "schools.csv",
            Location::File,
            "no level has both public schools and applicants; nothing to draw",
        );
        return Err(Error::Input(diags));
    }
    let blocks = match &options.units {
        Some(src) => Some(blocks::load(src, scenario, options.repair)?),
        None => None,
    };
    let mut out = Vec::new();
    for level in levels.iter().copied() {
        let prepared = prepare(scenario, level, options, blocks.as_ref());
        out.push(prepared.solve(options));
    }
    let carried = scenario
        .zones
        .iter()
        .filter(|z| !levels.contains(&z.level))
        .cloned()
        .collect();
    let mut proposal = Proposal {
        levels: out,
        carried,
        options: options.clone(),
    };
    if options.pool {
        pool::pool(scenario, &mut proposal);
    }
    Ok(proposal)
}

/// A pupil: an applicant's home, or a share of a block's population.
#[derive(Debug, Clone)]
struct Pupil {
    lon: f64,
    lat: f64,
    /// The applicant (for households and today's zone); `None` for population.
    applicant: Option<usize>,
    /// Local indices of today's zone's schools (empty: no zone today).
    today: Vec<u32>,
    /// Its unit.
    unit: usize,
}

/// Everything about a level that does not depend on the move cost.
struct Prepared<'a> {
    scenario: &'a Scenario,
    level: Level,
    plane: Plane,
    lattice: Option<Lattice>,
    /// The units (grid cells or blocks) with their neighbours, pupils and
    /// the schools' units.
    units: refine::Units,
    /// Public schools of the level (scenario indices, id order).
    schools: Vec<SchoolIdx>,
    /// The same schools as values, for the nearest-school index.
    school_rows: Vec<School>,
    tree: rstar::RTree<SchoolPoint>,
    /// The schools in the plane.
    school_xy: Vec<(f64, f64)>,
    seats: Vec<u32>,
    caps: Vec<u32>,
    shortfall_spread: bool,
    pupils: Vec<Pupil>,
    applicants: u64,
    homes_outside: u64,
    homes_unreached: u64,
    notes: Vec<String>,
    has_today: bool,
}

/// A convex polygon: the points of `bound` nearer `p` than every `others`.
fn voronoi_cell(p: (f64, f64), others: &[(f64, f64)], bound: geo::Rect<f64>) -> Polygon<f64> {
    let mut ring: Vec<Coord<f64>> = bound.to_polygon().exterior().0.clone();
    ring.pop();
    for &q in others {
        // Keep points x with (x - m)·(q - p) <= 0, m the midpoint.
        let (nx, ny) = (q.0 - p.0, q.1 - p.1);
        let m = ((p.0 + q.0) / 2.0, (p.1 + q.1) / 2.0);
        let side = |c: Coord<f64>| (c.x - m.0) * nx + (c.y - m.1) * ny;
        let mut next = Vec::new();
        for i in 0..ring.len() {
            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
            let (sa, sb) = (side(a), side(b));
            if sa <= 0.0 {
                next.push(a);
            }
            if (sa < 0.0 && sb > 0.0) || (sa > 0.0 && sb < 0.0) {
                let t = sa / (sa - sb);
                next.push(Coord {
                    x: a.x + t * (b.x - a.x),
                    y: a.y + t * (b.y - a.y),
                });
            }
        }
        ring = next;
        if ring.len() < 3 {
            return Polygon::new(LineString::new(Vec::new()), Vec::new());
        }
    }
    ring.push(ring[0]);
    Polygon::new(LineString::new(ring), Vec::new())
}

fn prepare<'a>(
    scenario: &'a Scenario,
    level: Level,
    options: &ZoningOptions,
    blocks: Option<&blocks::Blocks>,
) -> Prepared<'a> {
    let mut notes = Vec::new();
    let schools: Vec<SchoolIdx> = (0..scenario.schools.len())
        .map(|i| SchoolIdx(i as u32))
        .filter(|&s| scenario.school(s).level == level && scenario.school(s).sector == Sector::Public)
        .collect();
    let school_rows: Vec<School> = schools.iter().map(|&s| scenario.school(s).clone()).collect();
    let apps: Vec<usize> = (0..scenario.applicants.len())
        .filter(|&a| scenario.applicants[a].level == level)
        .collect();
    let today_zones: Vec<&Zone> = scenario.zones.iter().filter(|z| z.level == level).collect();
    let plane = Plane::around(
        apps.iter()
            .map(|&a| (scenario.applicants[a].lon, scenario.applicants[a].lat))
            .chain(school_rows.iter().map(|s| (s.lon, s.lat)))
            .chain(blocks.into_iter().flat_map(|b| b.points())),
    );
    // 1. The area and 2. the units.
    let (mut units, lattice, mut population): (Vec<Polygon<f64>>, Option<Lattice>, Option<Vec<u32>>) = match blocks {
        Some(b) => {
            let (u, p) = b.in_plane(&plane);
            (u, None, p)
        }
        None => {
            let area = if today_zones.is_empty() {
                let points: Vec<(f64, f64)> = apps
                    .iter()
                    .map(|&a| plane.to_xy(scenario.applicants[a].lon, scenario.applicants[a].lat))
                    .chain(school_rows.iter().map(|s| plane.to_xy(s.lon, s.lat)))
                    .collect();
                // Widened by 1.5 units, so that the grid lines (from the
                // box's corner) do not run through the outermost homes.
                Area::hull(&points, 1.5 * options.unit_m)
            } else {
                Area::new(covered(&today_zones, &plane, options.unit_m))
            };
            let (u, l) = units::grid(&area, options.unit_m, options.shape);
            (u, Some(l), None)
        }
    };
    // Units holding several schools are split by the schools' Voronoi cells.
    let school_xy: Vec<(f64, f64)> = school_rows.iter().map(|s| plane.to_xy(s.lon, s.lat)).collect();
    let locator = Locator::new(&units);
    let mut in_unit: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, &(x, y)) in school_xy.iter().enumerate() {
        if let Some(u) = locator.locate(&units, x, y) {
            in_unit.entry(u).or_default().push(k);
        }
    }
    for (&u, ks) in &in_unit {
        if ks.len() < 2 {
            continue;
        }
        let whole = units[u].clone();
        let Some(bound) = geo::BoundingRect::bounding_rect(&whole) else {
            continue;
        };
        let bound = geo::Rect::new(
            Coord {
                x: bound.min().x - 1.0,
                y: bound.min().y - 1.0,
            },
            Coord {
                x: bound.max().x + 1.0,
                y: bound.max().y + 1.0,
            },
        );
        let mut parts: Vec<Polygon<f64>> = Vec::new();
        for &k in ks {
            let others: Vec<(f64, f64)> = ks.iter().filter(|&&j| j != k).map(|&j| school_xy[j]).collect();
            let cell = voronoi_cell(school_xy[k], &others, bound);
            if cell.exterior().0.is_empty() {
                continue;
            }
            parts.extend(
                whole
                    .intersection(&cell)
                    .0
                    .into_iter()
                    .filter(|p| p.unsigned_area() > 1e-3),
            );
        }
        if let Some(first) = parts.first() {
            units[u] = first.clone();
            units.extend(parts.into_iter().skip(1));
            if let Some(pop) = &mut population {
                // A block's population stays with its first part.
                pop.resize(units.len(), 0);
            }
        }
    }
    let adjacency = units::adjacency(&units, ADJACENCY_TOL_M, MIN_SHARED_M);
    let locator = Locator::new(&units);
    // Seeds: the unit holding each school; outside the area, the nearest free unit.
    let mut seeds = vec![usize::MAX; schools.len()];
    let mut taken = vec![false; units.len()];
    let mut outside = Vec::new();
    for (k, &(x, y)) in school_xy.iter().enumerate() {
        match locator.locate(&units, x, y) {
            Some(u) if !taken[u] => {
                seeds[k] = u;
                taken[u] = true;
            }
            _ => outside.push(k),
        }
    }
    let centres_xy: Vec<(f64, f64)> = units
        .iter()
        .map(|p| {
            p.interior_point()
                .or_else(|| p.centroid())
                .map_or((0.0, 0.0), |c| (c.x(), c.y()))
        })
        .collect();
    for k in outside {
        let (x, y) = school_xy[k];
        let best = (0..units.len()).filter(|&u| !taken[u]).min_by(|&a, &b| {
            let da = (centres_xy[a].0 - x).hypot(centres_xy[a].1 - y);
            let db = (centres_xy[b].0 - x).hypot(centres_xy[b].1 - y);
            da.total_cmp(&db).then(a.cmp(&b))
        });
        let s = &school_rows[k];
        match best {
            Some(u) => {
                seeds[k] = u;
                taken[u] = true;
                notes.push(format!(
                    "school {} ({}) is outside the area to cover (or shares a unit it could not be split from); its zone starts at the nearest unit",
                    s.id,
                    level.as_str()
                ));
            }
            None => notes.push(format!("school {} has no unit left for its zone", s.id)),
        }
    }
    // Keep only schools with a seed (every school has one unless units ran out).
    let keep: Vec<usize> = (0..schools.len()).filter(|&k| seeds[k] != usize::MAX).collect();
    let schools: Vec<SchoolIdx> = keep.iter().map(|&k| schools[k]).collect();
    let school_rows: Vec<School> = keep.iter().map(|&k| school_rows[k].clone()).collect();
    let seeds: Vec<usize> = keep.iter().map(|&k| seeds[k]).collect();
    // Units reached from a school.
    let mut reached = vec![false; units.len()];
    let mut queue: std::collections::VecDeque<usize> = seeds.iter().copied().collect();
    for &s in &seeds {
        reached[s] = true;
    }
    while let Some(u) = queue.pop_front() {
        for &v in &adjacency[u] {
            if !reached[v as usize] {
                reached[v as usize] = true;
                queue.push_back(v as usize);
            }
        }
    }
    // 3. Demand.
    let local: HashMap<SchoolIdx, u32> = schools.iter().enumerate().map(|(k, &s)| (s, k as u32)).collect();
    let today_index = ZoneIndex::new(&scenario.zones);
    let today_of = |a: usize| -> Vec<u32> {
        let app = &scenario.applicants[a];
        let zone = app.zone.or_else(|| today_index.locate(level, app.lon, app.lat).zone);
        zone.map(|z| {
            scenario
                .zone(z)
                .schools
                .iter()
                .filter_map(|s| local.get(s).copied())
                .collect()
        })
        .unwrap_or_default()
    };
    let mut pupils = Vec::new();
    let (mut homes_outside, mut homes_unreached) = (0u64, 0u64);
    let mut unreached_units = BTreeSet::new();
    match &population {
        None => {
            for &a in &apps {
                let app = &scenario.applicants[a];
                let (x, y) = plane.to_xy(app.lon, app.lat);
                match locator.locate(&units, x, y) {
                    None => homes_outside += 1,
                    Some(u) if !reached[u] => {
                        homes_unreached += 1;
                        unreached_units.insert(u);
                    }
                    Some(u) => pupils.push(Pupil {
                        lon: app.lon,
                        lat: app.lat,
                        applicant: Some(a),
                        today: today_of(a),
                        unit: u,
                    }),
                }
            }
        }
        Some(pop) => {
            for (u, &n) in pop.iter().enumerate() {
                if !reached[u] {
                    homes_unreached += u64::from(n);
                    continue;
                }
                let (lon, lat) = plane.to_lonlat(centres_xy[u].0, centres_xy[u].1);
                let today: Vec<u32> = {
                    let zone = today_index.locate(level, lon, lat).zone;
                    zone.map(|z| {
                        scenario
                            .zone(z)
                            .schools
                            .iter()
                            .filter_map(|s| local.get(s).copied())
                            .collect()
                    })
                    .unwrap_or_default()
                };
                for _ in 0..n {
                    pupils.push(Pupil {
                        lon,
                        lat,
                        applicant: None,
                        today: today.clone(),
                        unit: u,
                    });
                }
            }
        }
    }
    if homes_outside > 0 {
        notes.push(format!(
            "{homes_outside} {} home(s) lie outside the area to cover and get no zone",
            level.as_str()
        ));
    }
    if homes_unreached > 0 {
        notes.push(format!(
            "{homes_unreached} {} home(s) lie in {} unit(s) that no school's units reach (islands without a school) and get no zone",
            level.as_str(),
            unreached_units.len()
        ));
    }
    let mut unit_pupils = vec![Vec::new(); units.len()];
    for (i, p) in pupils.iter().enumerate() {
        unit_pupils[p.unit].push(i as u32);
    }
    let demand: Vec<u32> = unit_pupils.iter().map(|v| v.len() as u32).collect();
    // 4. Capacities, per part of the area that units connect (a school's
    // zone can only take pupils from its own part).
    let mut part = vec![usize::MAX; units.len()];
    let mut parts = 0;
    for &s in &seeds {
        if part[s] != usize::MAX {
            continue;
        }
        part[s] = parts;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            for &v in &adjacency[u] {
                if part[v as usize] == usize::MAX {
                    part[v as usize] = parts;
                    queue.push_back(v as usize);
                }
            }
        }
        parts += 1;
    }
    let seats: Vec<u32> = school_rows.iter().map(|s| s.capacity).collect();
    let mut caps: Vec<u32> = seats
        .iter()
        .map(|&s| (f64::from(s) * (1.0 + options.slack) + 1e-9).floor() as u32)
        .collect();
    let mut shortfall_spread = false;
    for c in 0..parts {
        let members: Vec<usize> = (0..seeds.len()).filter(|&k| part[seeds[k]] == c).collect();
        let wanted = pupils.iter().filter(|p| part[p.unit] == c).count() as u64;
        let total_seats: u64 = members.iter().map(|&k| u64::from(seats[k])).sum();
        let room: u64 = members.iter().map(|&k| u64::from(caps[k])).sum();
        if room >= wanted {
            continue;
        }
        let names = if parts > 1 {
            format!(" in the part of the area around school {}", school_rows[members[0]].id)
        } else {
            String::new()
        };
        if total_seats == 0 {
            notes.push(format!(
                "the {} public schools{names} have no seats; zones there are drawn by distance alone",
                level.as_str()
            ));
            for &k in &members {
                caps[k] = u32::MAX / 4;
            }
            continue;
        }
        shortfall_spread = true;
        for &k in &members {
            caps[k] = (u64::from(seats[k]) * wanted).div_ceil(total_seats) as u32;
        }
        notes.push(format!(
            "{total_seats} seats × (1 + slack) cannot hold the {wanted} {} pupils{names}: the shortfall is spread over its {} school(s) in proportion to their seats (each takes up to {:.1} % over its seats)",
            level.as_str(),
            members.len(),
            (wanted as f64 / total_seats as f64 - 1.0) * 100.0
        ));
    }
    let tree = school_tree(&school_rows, |_, _| true);
    let school_xy = school_rows.iter().map(|s| plane.to_xy(s.lon, s.lat)).collect();
    let depth = vec![0; units.len()];
    Prepared {
        scenario,
        level,
        plane,
        lattice,
        units: refine::Units {
            polygons: units,
            adjacency,
            seeds,
            unit_pupils,
            demand,
            centres_xy,
            depth,
        },
        schools,
        school_rows,
        tree,
        school_xy,
        seats,
        caps,
        shortfall_spread,
        pupils,
        applicants: apps.len() as u64,
        homes_outside,
        homes_unreached,
        notes,
        has_today: !today_zones.is_empty(),
    }
}

/// The pupils' costs for the flow: haversine metres, plus the move cost
/// for a school outside today's zone.
struct PupilCosts<'p, 'a> {
    prep: &'p Prepared<'a>,
    move_cost: f64,
}

impl PupilCosts<'_, '_> {
    fn extra(&self, i: usize, k: usize) -> f64 {
        let p = &self.prep.pupils[i];
        if self.move_cost > 0.0 && !p.today.is_empty() && !p.today.contains(&(k as u32)) {
            self.move_cost
        } else {
            0.0
        }
    }
}

impl CostModel for PupilCosts<'_, '_> {
    fn applicants(&self) -> usize {
        self.prep.pupils.len()
    }

    fn schools(&self) -> usize {
        self.prep.schools.len()
    }

    fn capacity(&self, school: usize) -> u32 {
        self.prep.caps[school]
    }

    fn nearest(&self, i: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
        let p = &self.prep.pupils[i];
        let plain =
            NearestSchools::new(&self.prep.tree, &self.prep.school_rows, p.lon, p.lat).map(|(s, d)| (s.index(), d));
        if self.move_cost <= 0.0 || p.today.is_empty() {
            return Box::new(plain);
        }
        // Today's schools at their distance, merged with the others at distance + M.
        let mut near: Vec<(usize, f64)> = p
            .today
            .iter()
            .map(|&k| {
                let s = &self.prep.school_rows[k as usize];
                (k as usize, haversine((p.lon, p.lat), (s.lon, s.lat)))
            })
            .collect();
        near.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let m = self.move_cost;
        let today = p.today.clone();
        let far = plain
            .filter(move |(k, _)| !today.contains(&(*k as u32)))
            .map(move |(k, d)| (k, d + m));
        Box::new(Merge {
            a: near.into_iter().peekable(),
            b: far.peekable(),
        })
    }

    fn cost(&self, i: usize, k: usize) -> Option<f64> {
        let p = &self.prep.pupils[i];
        let s = self.prep.school_rows.get(k)?;
        Some(haversine((p.lon, p.lat), (s.lon, s.lat)) + self.extra(i, k))
    }

    fn school_distance(&self, a: usize, b: usize) -> Option<f64> {
        let (sa, sb) = (&self.prep.school_rows[a], &self.prep.school_rows[b]);
        Some(haversine((sa.lon, sa.lat), (sb.lon, sb.lat)))
    }
}

/// Two cost-sorted streams merged (ties: the first stream, then school).
struct Merge<A: Iterator<Item = (usize, f64)>, B: Iterator<Item = (usize, f64)>> {
    a: std::iter::Peekable<A>,
    b: std::iter::Peekable<B>,
}

impl<A: Iterator<Item = (usize, f64)>, B: Iterator<Item = (usize, f64)>> Iterator for Merge<A, B> {
    type Item = (usize, f64);

    fn next(&mut self) -> Option<(usize, f64)> {
        match (self.a.peek(), self.b.peek()) {
            (Some(x), Some(y)) => {
                if (x.1, x.0) <= (y.1, y.0) {
                    self.a.next()
                } else {
                    self.b.next()
                }
            }
            (Some(_), None) => self.a.next(),
            _ => self.b.next(),
        }
    }
}

/// Costs of units, memoised.
struct UnitCostTable<'p, 'a> {
    pupils: PupilCosts<'p, 'a>,
    units: &'p refine::Units,
    memo: RefCell<HashMap<(u32, u32), f64>>,
}

impl assign::UnitCosts for UnitCostTable<'_, '_> {
    fn cost(&self, u: usize, k: usize) -> f64 {
        if let Some(&c) = self.memo.borrow().get(&(u as u32, k as u32)) {
            return c;
        }
        let prep = self.pupils.prep;
        let list = &self.units.unit_pupils[u];
        let c = if list.is_empty() {
            // Units without pupils: a tiny pull towards the nearer school
            // keeps shapes compact without weighing on the objective.
            let s = &prep.school_rows[k];
            let (x, y) = self.units.centres_xy[u];
            1e-3 * haversine(prep.plane.to_lonlat(x, y), (s.lon, s.lat))
        } else {
            list.iter()
                .map(|&i| self.pupils.cost(i as usize, k).unwrap_or(crate::flow::MAX_METRES))
                .sum()
        };
        self.memo.borrow_mut().insert((u as u32, k as u32), c);
        c
    }
}

/// The result of one solve: labels and figures.
struct Solved {
    /// The units refined by [`refine`] (`None`: the prepared units).
    refined: Option<refine::Units>,
    /// Refinement levels run.
    levels: u8,
    label: Vec<u32>,
    lower_bound_m: f64,
    total_distance_m: f64,
    objective_m: f64,
    excess: u64,
    moved: Option<(u64, u64)>,
}

impl Prepared<'_> {
    fn solve_labels(&self, move_cost: f64) -> Solved {
        let costs = PupilCosts { prep: self, move_cost };
        let flow = flow::assign(&costs);
        // Start: each unit with pupils to the school that took most of them.
        let mut initial = vec![NONE; self.units.polygons.len()];
        for (u, list) in self.units.unit_pupils.iter().enumerate() {
            let mut count: BTreeMap<usize, usize> = BTreeMap::new();
            for &i in list {
                if let Some(k) = flow.school[i as usize] {
                    *count.entry(k).or_default() += 1;
                }
            }
            if let Some((&k, _)) = count.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
                initial[u] = k as u32;
            }
        }
        let mut label = self.assign(&self.units, move_cost, &initial);
        let mut excess = self.excess(&self.units, &label);
        // Adaptive refinement while zones stay over capacity (square grids).
        let mut refined: Option<refine::Units> = None;
        let mut levels = 0;
        let lattice = self.lattice.filter(|l| l.is_square());
        if let Some(lattice) = lattice {
            let pupils_xy: Vec<(f64, f64)> = self.pupils.iter().map(|p| self.plane.to_xy(p.lon, p.lat)).collect();
            let mut current: Option<(refine::Units, Vec<u32>)> = None;
            while excess > 0 && levels < refine::MAX_LEVELS {
                let (units, now) = match &current {
                    Some((u, l)) => (u, l),
                    None => (&self.units, &label),
                };
                let which = refine::to_split(units, now, &self.caps);
                if !which.contains(&true) {
                    break;
                }
                let (finer, parent) = refine::split(units, &which, &lattice, &pupils_xy, &self.school_xy);
                let start: Vec<u32> = parent.iter().map(|&u| now[u]).collect();
                let next = self.assign(&finer, move_cost, &start);
                let e = self.excess(&finer, &next);
                levels += 1;
                if e < excess {
                    excess = e;
                    label = next.clone();
                    refined = Some(finer.clone());
                }
                current = Some((finer, next));
            }
        }
        let units = refined.as_ref().unwrap_or(&self.units);
        let unit_of = units.unit_of_pupils(self.pupils.len());
        let (mut distance, mut objective) = (0.0, 0.0);
        let mut moved = 0u64;
        let mut households = BTreeSet::new();
        for (i, p) in self.pupils.iter().enumerate() {
            let k = label[unit_of[i]];
            if k == NONE {
                continue;
            }
            let s = &self.school_rows[k as usize];
            let d = haversine((p.lon, p.lat), (s.lon, s.lat));
            distance += d;
            objective += d + costs.extra(i, k as usize);
            if !p.today.is_empty() && !p.today.contains(&k) {
                moved += 1;
                if let Some(a) = p.applicant {
                    households.insert(self.scenario.applicants[a].household.as_str());
                }
            }
        }
        Solved {
            refined,
            levels,
            label,
            lower_bound_m: flow.total_m,
            total_distance_m: distance,
            objective_m: objective,
            excess,
            moved: self.has_today.then_some((moved, households.len() as u64)),
        }
    }

    /// The connected map of `units` from the start `initial` ([`assign`]).
    fn assign(&self, units: &refine::Units, move_cost: f64, initial: &[u32]) -> Vec<u32> {
        let problem = units.problem(&self.caps);
        let table = UnitCostTable {
            pupils: PupilCosts { prep: self, move_cost },
            units,
            memo: RefCell::new(HashMap::new()),
        };
        assign::assign(&problem, &table, initial)
    }

    /// Pupils over capacity on the map `label` of `units`.
    fn excess(&self, units: &refine::Units, label: &[u32]) -> u64 {
        assign::excess(&units.problem(&self.caps), label)
    }

    fn solve(&self, options: &ZoningOptions) -> LevelProposal {
        let mut notes = self.notes.clone();
        let solved = self.solve_labels(options.move_cost_m);
        let sweep = options
            .sweep
            .iter()
            .map(|&m| {
                let s = if m == options.move_cost_m {
                    None
                } else {
                    Some(self.solve_labels(m))
                };
                let s = s.as_ref().unwrap_or(&solved);
                let n = self.pupils.len() as f64;
                let (pupils_moved, households_moved) = s.moved.unwrap_or((0, 0));
                SweepRow {
                    move_cost_m: m,
                    total_distance_m: s.total_distance_m,
                    mean_distance_m: (n > 0.0).then(|| s.total_distance_m / n),
                    pupils_moved,
                    households_moved,
                    excess: s.excess,
                }
            })
            .collect();
        let units = solved.refined.as_ref().unwrap_or(&self.units);
        if let Some(r) = &solved.refined {
            let finest = options.unit_m / f64::from(1u32 << r.max_depth());
            notes.push(format!(
                "{} cells on the borders of zones over capacity were quartered ({} level(s), down to {finest} m) and the capacity repair run again: {} units instead of {}",
                self.level.as_str(),
                r.max_depth(),
                r.polygons.len(),
                self.units.polygons.len()
            ));
        }
        if solved.excess > 0 {
            let why = match self.lattice {
                Some(l) if l.is_square() => format!(
                    "even after quartering the cells on the zones' borders {} time(s)",
                    solved.levels
                ),
                _ => "(hexagonal cells and blocks are not refined)".to_string(),
            };
            notes.push(format!(
                "{} {} pupil(s) are over their zone's capacity {why}: the units are too coarse or the zones too hemmed in to fit (try a smaller --unit-m or a larger --slack)",
                solved.excess,
                self.level.as_str()
            ));
        }
        // 7. Polygons (quartered cells snap to their finer lattice).
        let lattice = self.lattice.map(|l| l.refined(units.max_depth()));
        let mut zones: Vec<ProposedZone> = Vec::new();
        for (k, &s) in self.schools.iter().enumerate() {
            let members: Vec<&Polygon<f64>> = (0..units.polygons.len())
                .filter(|&u| solved.label[u] == k as u32)
                .map(|u| &units.polygons[u])
                .collect();
            let area = dissolve(&members, lattice.as_ref());
            let school = self.scenario.school(s);
            if area.0.len() > 1 {
                notes.push(format!(
                    "zone {}{} came out in {} parts after dissolving (numerical); please report",
                    prefix(self.level),
                    school.id,
                    area.0.len()
                ));
            }
            zones.push(ProposedZone {
                id: format!("{}{}", prefix(self.level), school.id),
                level: self.level,
                school: s,
                seats: self.seats[k],
                cap: self.caps[k],
                demand: 0,
                mean_distance_m: None,
                share_nearest: None,
                units: members.len(),
                area: self.plane.area_to_lonlat(&area),
            });
        }
        zones.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
        self.zone_figures(&mut zones);
        LevelProposal {
            level: self.level,
            zones,
            units: units.polygons.len(),
            applicants: self.applicants,
            pupils: self.pupils.len() as u64,
            homes_outside: self.homes_outside,
            homes_unreached: self.homes_unreached,
            total_distance_m: solved.total_distance_m,
            objective_m: solved.objective_m,
            lower_bound_m: solved.lower_bound_m,
            excess: solved.excess,
            shortfall_spread: self.shortfall_spread,
            moved: solved.moved,
            sweep,
            notes,
            pooling: None,
        }
    }

    /// Demand, mean distance and share nearest of each zone, from the
    /// level's applicants located in the final polygons by the spec's rule.
    fn zone_figures(&self, zones: &mut [ProposedZone]) {
        let as_zones: Vec<Zone> = zones
            .iter()
            .enumerate()
            .map(|(i, z)| Zone {
                id: z.id.clone(),
                level: z.level,
                schools: vec![z.school],
                area: z.area.clone(),
                feature: i,
            })
            .collect();
        let index = ZoneIndex::new(&as_zones);
        let mut sums = vec![(0u32, 0.0f64, 0u32); zones.len()];
        for a in self.scenario.applicants.iter().filter(|a| a.level == self.level) {
            let Some(z) = index.locate(self.level, a.lon, a.lat).zone else {
                continue;
            };
            let s = self.scenario.school(zones[z.index()].school);
            let d = haversine((a.lon, a.lat), (s.lon, s.lat));
            let nearest = NearestSchools::new(&self.tree, &self.school_rows, a.lon, a.lat)
                .next()
                .map(|(k, _)| self.schools[k.index()]);
            let e = &mut sums[z.index()];
            e.0 += 1;
            e.1 += d;
            e.2 += u32::from(nearest == Some(zones[z.index()].school));
        }
        for (z, (n, d, near)) in zones.iter_mut().zip(sums) {
            z.demand = n;
            z.mean_distance_m = (n > 0).then(|| d / f64::from(n));
            z.share_nearest = (n > 0).then(|| f64::from(near) / f64::from(n));
        }
    }
}

/// One zone's units as one area: their union, with grid vertices snapped
/// back onto the lattice so neighbouring zones share edges exactly.
pub fn dissolve(members: &[&Polygon<f64>], lattice: Option<&Lattice>) -> MultiPolygon<f64> {
    use geo::algorithm::buffer::{Buffer, BufferStyle, LineJoin};
    let mut union = union_of(members.iter().copied());
    if union.0.len() > 1 {
        // Units that touch along an edge known only to within the last
        // bits of clipping: closed by a millimetre (grow, shrink, mitred).
        let style = |d: f64| BufferStyle::new(d).line_join(LineJoin::Miter(10.0));
        union = union.buffer_with_style(style(1e-3)).buffer_with_style(style(-1e-3));
    }
    let snapped = match lattice {
        Some(l) => l.snap_area(&union),
        None => union.clone(),
    };
    use geo::orient::{Direction, Orient};
    use geo::Validation;
    let cleaned = unpinch(&snapped);
    let area = if cleaned.is_valid() { cleaned } else { unpinch(&union) };
    drop_slivers(area).orient(Direction::Default)
}

/// Parts of a dissolved zone smaller than this (square metres) are
/// numerical slivers of the union (three or four nearly collinear points
/// where clipped cells meet), not land.
const SLIVER_M2: f64 = 0.01;

/// Drops the union's sliver parts and sliver holes; the largest part is
/// always kept.
fn drop_slivers(area: MultiPolygon<f64>) -> MultiPolygon<f64> {
    let largest = area.0.iter().map(|p| p.unsigned_area()).fold(0.0f64, f64::max);
    let polygons = area
        .0
        .into_iter()
        .filter(|p| {
            let a = p.unsigned_area();
            a >= SLIVER_M2 || a == largest
        })
        .map(|p| {
            let (ext, holes) = p.into_inner();
            let holes = holes
                .into_iter()
                .filter(|h| Polygon::new(h.clone(), Vec::new()).unsigned_area() >= SLIVER_M2)
                .collect();
            Polygon::new(ext, holes)
        })
        .collect();
    MultiPolygon::new(polygons)
}

/// Splits rings that pass twice through one point (two units of a zone
/// meeting only at a corner on its boundary) into simple loops: in each
/// polygon the loop of largest area is the exterior, the others are holes
/// touching it at that point (valid in the OGC model); holes with fewer
/// than three distinct points are dropped.
fn unpinch(area: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    fn loops(ring: &LineString<f64>, out: &mut Vec<LineString<f64>>) {
        let mut pts: Vec<Coord<f64>> = ring.0.clone();
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        let mut stack: Vec<Coord<f64>> = Vec::with_capacity(pts.len());
        for c in pts {
            if let Some(i) = stack.iter().position(|&q| q == c) {
                let mut lp: Vec<Coord<f64>> = stack.split_off(i);
                if lp.len() >= 3 {
                    lp.push(lp[0]);
                    out.push(LineString::new(lp));
                }
            }
            stack.push(c);
        }
        if stack.len() >= 3 {
            stack.push(stack[0]);
            out.push(LineString::new(stack));
        }
    }
    let polygons = area
        .0
        .iter()
        .map(|p| {
            let mut ext = Vec::new();
            loops(p.exterior(), &mut ext);
            let mut holes = Vec::new();
            for h in p.interiors() {
                loops(h, &mut holes);
            }
            let area_of = |r: &LineString<f64>| Polygon::new(r.clone(), Vec::new()).unsigned_area();
            ext.sort_by(|a, b| area_of(b).total_cmp(&area_of(a)));
            let mut ext = ext.into_iter();
            let shell = ext.next().unwrap_or_else(|| p.exterior().clone());
            holes.extend(ext);
            Polygon::new(shell, holes)
        })
        .collect();
    MultiPolygon::new(polygons)
}

#[cfg(test)]
mod tests;
