//! School siting (布局调整: 新建 / 撤并): which candidate sites to open and
//! which closable schools to merge away so that the most public applicants
//! are seated and their total home–school distance is the least
//! (`catchment sites`).
//!
//! The model is the one of rule `optimal` (spec §4, §8) on the public
//! applicants of a level (those the private lottery did not place), with the
//! site decisions on top: open exactly `K` candidates, close exactly `C`
//! closable schools. Whatever the scenario's `rule`, layouts are compared by
//! their optimal assignment; the catchment map is drawn for the chosen
//! layout afterwards.
//!
//! # Layout
//! - [`candidates`]: loading `candidates.csv`;
//! - [`model`]: one level's homes and sites, a layout evaluated exactly by
//!   the min-cost flow of [`crate::flow`];
//! - [`search`]: the branch-and-bound over site decisions with its
//!   submodularity bound, proven optimal unless its budget runs out (then
//!   the gap is reported, never a claim of optimality);
//! - [`output`]: `sites.csv`, `sites_summary.json`, the `scenario/` copy
//!   with the new layout, and the page (rendered by `html::sites`).
//!
//! # Examples
//! ```
//! use catchment::sites::search::{solve, Limits, Problem, Role};
//! use catchment::sites::model::SiteModel;
//!
//! // Two homes far apart; one existing school of one seat near the first,
//! // two candidate sites. Opening the candidate near the second home
//! // seats both.
//! let homes = vec![(0.0, 0.0), (0.1, 0.0)];
//! let sites = vec![(0.0, 0.001), (0.05, 0.0), (0.1, 0.001)];
//! let model = SiteModel::new(homes, sites, vec![1, 1, 1], f64::INFINITY);
//! let problem = Problem { roles: vec![Role::Fixed, Role::Candidate, Role::Candidate], open: 1, close: 0 };
//! let best = solve(&model, &problem, &Limits::default()).unwrap();
//! assert_eq!(best.open, vec![true, false, true]);
//! assert!(best.proven);
//! ```

pub mod candidates;
pub mod model;
pub mod output;
pub mod search;
#[cfg(test)]
mod tests;

use crate::error::{Diagnostics, Error, Location};
use crate::geo_index::ZoneIndex;
use crate::matching::UnitIdx;
use crate::scenario::{AppIdx, DistanceMetric, Level, Scenario, SchoolIdx, Sector};
use crate::stages::{self, Context};

pub use candidates::{Candidate, Candidates};
use model::SiteModel;
use search::{Limits, Problem, Role, SearchStats, Value};

/// Radius within which a candidate should have at least one home of its
/// level when the policy sets no `max_distance_m`, metres.
pub const FAR_FROM_HOMES_M: f64 = 5_000.0;

/// What to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitesOptions {
    /// Candidate sites to open per level planned.
    pub open: usize,
    /// Closable schools to close per level planned.
    pub close: usize,
    /// Plan one level only; `None` plans every level with candidates (or
    /// closable schools when nothing opens).
    pub level: Option<Level>,
    /// The search's budget.
    pub limits: Limits,
}

/// Whether a site is a school of today or a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A public school in `schools.csv`.
    Existing,
    /// A row of `candidates.csv`.
    Candidate,
}

impl Kind {
    /// The spelling in `sites.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Existing => "existing",
            Kind::Candidate => "candidate",
        }
    }
}

/// What the plan does with a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A candidate built.
    Open,
    /// A candidate not built.
    NotOpened,
    /// A school kept.
    Kept,
    /// A closable school merged away.
    Closed,
}

impl Decision {
    /// The spelling in `sites.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Open => "open",
            Decision::NotOpened => "not_opened",
            Decision::Kept => "kept",
            Decision::Closed => "closed",
        }
    }
}

/// One site of a level and its fate.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteResult {
    /// School or candidate id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Existing school or candidate.
    pub kind: Kind,
    /// Open, not opened, kept or closed.
    pub decision: Decision,
    /// Seats.
    pub seats: u32,
    /// Pupils seated there in the chosen layout.
    pub pupils: u32,
    /// Their mean distance, metres (`None` without pupils).
    pub mean_distance_m: Option<f64>,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Whether the school is marked closable (existing schools).
    pub closable: bool,
}

/// Seated and distance of one layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutFigures {
    /// Applicants seated.
    pub seated: usize,
    /// Their total distance, metres.
    pub total_distance_m: f64,
}

/// The plan of one level.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelPlan {
    /// The level.
    pub level: Level,
    /// Public applicants of the level (after the private lottery).
    pub applicants: usize,
    /// Every site of the level, sorted by id.
    pub sites: Vec<SiteResult>,
    /// The chosen layout.
    pub chosen: LayoutFigures,
    /// Today's layout under the same model.
    pub baseline: LayoutFigures,
    /// No layout seats more than this.
    pub seated_upper_bound: usize,
    /// No layout seating `chosen.seated` has a smaller total distance,
    /// metres.
    pub lower_bound_m: f64,
    /// `(total − lower bound) / total`; 0 when proven optimal, 1 when the
    /// bound could not rule out seating more.
    pub gap: f64,
    /// Whether the layout is proven optimal.
    pub proven_optimal: bool,
    /// Search counters.
    pub stats: SearchStats,
    /// Homes (WGS84) and the index in `sites` of the site each is seated
    /// at, for the map.
    pub pupils: Vec<((f64, f64), Option<usize>)>,
}

/// The plan of every level planned, with the warnings found.
#[derive(Debug, Clone)]
pub struct SitesPlan {
    /// One plan per level, primary first.
    pub levels: Vec<LevelPlan>,
    /// Warnings (candidates outside every zone or far from every home, and
    /// those of the candidates file).
    pub warnings: Diagnostics,
}

/// Plans the layout of each level: loads nothing, writes nothing.
///
/// # Errors
/// [`Error::Usage`] when there is nothing to decide (`open` and `close`
/// both 0) or the scenario uses a distance matrix (which lists no
/// candidate site); [`Error::Input`] when a level has fewer candidates than
/// `open` or fewer closable schools than `close`.
pub fn plan(scenario: &Scenario, candidates: &Candidates, options: &SitesOptions) -> Result<SitesPlan, Error> {
    if options.open == 0 && options.close == 0 {
        return Err(Error::Usage(
            "--open 0 and --close 0 leave nothing to decide: open at least one candidate or close at least one school"
                .into(),
        ));
    }
    if scenario.policy.metric == DistanceMetric::Matrix {
        return Err(Error::Usage(
            "sites needs haversine distances: the scenario's distances.csv lists no candidate sites \
             (set distance.metric = \"haversine\" in a copy of the scenario)"
                .into(),
        ));
    }
    let levels: Vec<Level> = match options.level {
        Some(level) => vec![level],
        None => Level::ALL
            .into_iter()
            .filter(|&l| {
                let has_candidates = candidates.sites.iter().any(|c| c.level == l);
                let has_closable = scenario.schools.iter().any(|s| s.level == l && s.closable);
                if options.open > 0 {
                    has_candidates
                } else {
                    has_closable
                }
            })
            .collect(),
    };
    let mut diags = Diagnostics::default();
    if levels.is_empty() {
        diags.error(
            &candidates.file,
            Location::File,
            if options.open > 0 {
                "no candidate site of any level: nothing to open"
            } else {
                "no closable school (closable = 1 in schools.csv) of any level: nothing to close"
            },
        );
    }
    for &level in &levels {
        let n = candidates.sites.iter().filter(|c| c.level == level).count();
        if options.open > n {
            diags.error(
                &candidates.file,
                Location::File,
                format!(
                    "--open {} is more than the {n} {} candidate site(s) in the file",
                    options.open,
                    level.as_str()
                ),
            );
        }
        let x = closable_schools(scenario, level).len();
        if options.close > x {
            diags.error(
                "schools.csv",
                Location::File,
                format!(
                    "--close {} is more than the {x} closable {} school(s) (closable = 1)",
                    options.close,
                    level.as_str()
                ),
            );
        }
    }
    if diags.has_errors() {
        return Err(Error::Input(diags));
    }
    let public = public_applicants(scenario);
    let mut warnings = candidates.warnings.clone();
    let mut plans = Vec::new();
    for level in levels {
        let homes: Vec<(f64, f64)> = public
            .iter()
            .map(|&a| scenario.applicant(a))
            .filter(|a| a.level == level)
            .map(|a| (a.lon, a.lat))
            .collect();
        warn_about_candidates(scenario, candidates, level, &homes, &mut warnings);
        plans.push(plan_level(scenario, candidates, level, homes, options));
    }
    Ok(SitesPlan {
        levels: plans,
        warnings,
    })
}

/// The public schools of a level marked closable.
fn closable_schools(scenario: &Scenario, level: Level) -> Vec<SchoolIdx> {
    (0..scenario.schools.len() as u32)
        .map(SchoolIdx)
        .filter(|&s| {
            let school = scenario.school(s);
            school.level == level && school.sector == Sector::Public && school.closable
        })
        .collect()
}

/// The applicants the private lottery leaves to the public stages, by
/// applicant index.
pub fn public_applicants(scenario: &Scenario) -> Vec<AppIdx> {
    let units = stages::form_units(scenario, &scenario.policy.seed);
    let zone_of = vec![None; scenario.applicants.len()];
    let ctx = Context::new(scenario, &units, &zone_of);
    let mut seats: Vec<u32> = scenario.schools.iter().map(|s| s.capacity).collect();
    let everyone: Vec<UnitIdx> = (0..units.len() as u32).map(UnitIdx).collect();
    let private = stages::private::run(&ctx, &everyone, &mut seats);
    let mut rest: Vec<AppIdx> = private
        .rest
        .iter()
        .flat_map(|&u| units[u.index()].members.iter().copied())
        .collect();
    rest.sort_unstable();
    rest
}

/// Warns (with counts) about candidates of `level` outside every zone of
/// the level, and about those with no home of the level nearby.
fn warn_about_candidates(
    scenario: &Scenario,
    candidates: &Candidates,
    level: Level,
    homes: &[(f64, f64)],
    warnings: &mut Diagnostics,
) {
    let of_level: Vec<&Candidate> = candidates.sites.iter().filter(|c| c.level == level).collect();
    if scenario.zones.iter().any(|z| z.level == level) {
        let index = ZoneIndex::new(&scenario.zones);
        let outside: Vec<&str> = of_level
            .iter()
            .filter(|c| index.locate(level, c.lon, c.lat).zone.is_none())
            .map(|c| c.id.as_str())
            .collect();
        if !outside.is_empty() {
            warnings.warning(
                &candidates.file,
                Location::File,
                format!(
                    "{} {} candidate site(s) lie outside every zone of the level: {}",
                    outside.len(),
                    level.as_str(),
                    outside.join(", ")
                ),
            );
        }
    }
    let radius = scenario.policy.max_distance_m.unwrap_or(FAR_FROM_HOMES_M);
    let far: Vec<&str> = of_level
        .iter()
        .filter(|c| {
            !homes
                .iter()
                .any(|&h| crate::distance::haversine(h, (c.lon, c.lat)) <= radius)
        })
        .map(|c| c.id.as_str())
        .collect();
    if !far.is_empty() {
        warnings.warning(
            &candidates.file,
            Location::File,
            format!(
                "{} {} candidate site(s) have no applicant's home within {radius} m: {}",
                far.len(),
                level.as_str(),
                far.join(", ")
            ),
        );
    }
}

/// Builds the model of one level, searches, and describes the result.
fn plan_level(
    scenario: &Scenario,
    candidates: &Candidates,
    level: Level,
    homes: Vec<(f64, f64)>,
    options: &SitesOptions,
) -> LevelPlan {
    // Sites: the level's public schools, then its candidates, each part by
    // id; `sites` (the output order) is sorted by id over both.
    let schools: Vec<SchoolIdx> = (0..scenario.schools.len() as u32)
        .map(SchoolIdx)
        .filter(|&s| {
            let school = scenario.school(s);
            school.level == level && school.sector == Sector::Public
        })
        .collect();
    let cands: Vec<&Candidate> = candidates.sites.iter().filter(|c| c.level == level).collect();
    let mut sites: Vec<SiteResult> = Vec::new();
    let mut roles = Vec::new();
    for &s in &schools {
        let school = scenario.school(s);
        roles.push(if school.closable { Role::Closable } else { Role::Fixed });
        sites.push(SiteResult {
            id: school.id.clone(),
            name: school.name.clone(),
            kind: Kind::Existing,
            decision: Decision::Kept,
            seats: school.capacity,
            pupils: 0,
            mean_distance_m: None,
            lon: school.lon,
            lat: school.lat,
            closable: school.closable,
        });
    }
    for c in &cands {
        roles.push(Role::Candidate);
        sites.push(SiteResult {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: Kind::Candidate,
            decision: Decision::NotOpened,
            seats: c.seats,
            pupils: 0,
            mean_distance_m: None,
            lon: c.lon,
            lat: c.lat,
            closable: false,
        });
    }
    let limit = scenario.policy.max_distance_m.unwrap_or(f64::INFINITY);
    let model = SiteModel::new(
        homes.clone(),
        sites.iter().map(|s| (s.lon, s.lat)).collect(),
        sites.iter().map(|s| s.seats).collect(),
        limit,
    );
    let problem = Problem {
        roles: roles.clone(),
        open: options.open,
        close: options.close,
    };
    let today: Vec<bool> = roles.iter().map(|&r| r != Role::Candidate).collect();
    let baseline = model.seat(&today);
    // `plan` checked the counts, so a layout exists; fall back to today's
    // layout (reported as not proven) rather than panic if it did not.
    let solution = search::solve(&model, &problem, &options.limits).unwrap_or(search::Solution {
        open: today.clone(),
        value: baseline.value,
        bound: Value {
            seated: homes.len(),
            total_mm: 0,
        },
        proven: false,
        stats: SearchStats::default(),
    });
    let seating = model.seat(&solution.open);
    for (j, site) in sites.iter_mut().enumerate() {
        site.decision = match (site.kind, solution.open[j]) {
            (Kind::Candidate, true) => Decision::Open,
            (Kind::Candidate, false) => Decision::NotOpened,
            (Kind::Existing, true) => Decision::Kept,
            (Kind::Existing, false) => Decision::Closed,
        };
    }
    let mut sum = vec![0.0f64; sites.len()];
    for (i, s) in seating.site.iter().enumerate() {
        if let Some(j) = *s {
            sites[j].pupils += 1;
            sum[j] += model.distance(i, j);
        }
    }
    for (site, total) in sites.iter_mut().zip(sum) {
        site.mean_distance_m = (site.pupils > 0).then(|| total / f64::from(site.pupils));
    }
    let chosen = LayoutFigures {
        seated: seating.value.seated,
        total_distance_m: seating.total_m,
    };
    let (lower_bound_m, gap) = if solution.proven {
        (chosen.total_distance_m, 0.0)
    } else if solution.bound.seated > seating.value.seated {
        (0.0, 1.0)
    } else {
        let lb = solution.bound.total_mm.max(0);
        let total = seating.value.total_mm;
        let gap = if total > 0 {
            (total - lb) as f64 / total as f64
        } else {
            0.0
        };
        (lb as f64 / 1000.0, gap.max(0.0))
    };
    let pupils = homes.into_iter().zip(seating.site).collect();
    // Output order: by id over schools and candidates together.
    let mut order: Vec<usize> = (0..sites.len()).collect();
    order.sort_by(|&a, &b| sites[a].id.as_bytes().cmp(sites[b].id.as_bytes()));
    let mut position = vec![0; sites.len()];
    for (p, &j) in order.iter().enumerate() {
        position[j] = p;
    }
    let sorted: Vec<SiteResult> = order.iter().map(|&j| sites[j].clone()).collect();
    let pupils = pupils_at(pupils, &position);
    LevelPlan {
        level,
        applicants: model.homes(),
        sites: sorted,
        chosen,
        baseline: LayoutFigures {
            seated: baseline.value.seated,
            total_distance_m: baseline.total_m,
        },
        seated_upper_bound: solution.bound.seated.max(seating.value.seated),
        lower_bound_m,
        gap,
        proven_optimal: solution.proven,
        stats: solution.stats,
        pupils,
    }
}

/// Renumbers each pupil's site to its output position.
fn pupils_at(pupils: Vec<((f64, f64), Option<usize>)>, position: &[usize]) -> Vec<((f64, f64), Option<usize>)> {
    pupils.into_iter().map(|(h, s)| (h, s.map(|j| position[j]))).collect()
}
