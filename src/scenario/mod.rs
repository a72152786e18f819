//! A scenario: the typed, validated contents of a scenario folder (spec §1).
//!
//! [`load`] parses every file into domain values once ("parse, don't
//! validate"): string ids become dense indices, schools, applicants and
//! zones are sorted by id (so nothing downstream depends on row order), and
//! every problem found is collected into [`Diagnostics`] rather than
//! stopping at the first.

mod applicants;
pub mod diagnose;
mod distances;
pub mod geometry;
pub mod id_list;
pub(crate) mod index;
mod lines;
pub(crate) mod policy;
mod schools;
pub mod shapefile;
pub mod table;
mod xlsx;
mod zones;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use geo::MultiPolygon;
use rayon::prelude::*;

use crate::error::{Diagnostics, Error};

pub use distances::DistanceMatrix;
pub use policy::{DistanceMetric, FallbackRule, GroupPolicy, Policy, Rule, TieBreaking};
pub use table::Encoding;

pub use index::{AppIdx, SchoolIdx, ZoneIdx};
pub(crate) use zones::{parse_geometry, Reading};

/// Entry grade: grade 1 (primary) or grade 7 (junior). Levels are
/// allocated independently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Level {
    /// Grade 1.
    #[cfg_attr(feature = "cli", value(help = None::<&str>))]
    Primary,
    /// Grade 7.
    #[cfg_attr(feature = "cli", value(help = None::<&str>))]
    Junior,
}

impl Level {
    /// Both levels, in output order.
    pub const ALL: [Level; 2] = [Level::Primary, Level::Junior];

    /// The spelling used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Primary => "primary",
            Level::Junior => "junior",
        }
    }

    /// 0 for primary, 1 for junior: the slot of per-level arrays.
    pub fn index(self) -> usize {
        match self {
            Level::Primary => 0,
            Level::Junior => 1,
        }
    }

    /// Parses `primary` or `junior`.
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "primary" => Some(Level::Primary),
            "junior" => Some(Level::Junior),
            _ => None,
        }
    }
}

/// Public schools take part in the zone, nearest and fallback stages;
/// private schools only in the private lottery (公民同招).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sector {
    /// A public school.
    Public,
    /// A private school.
    Private,
}

impl Sector {
    /// The spelling used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Public => "public",
            Sector::Private => "private",
        }
    }
}

/// A school at one level (a row of `schools.csv`).
#[derive(Debug, Clone)]
pub struct School {
    /// School id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Entry grade it enrols.
    pub level: Level,
    /// Public or private.
    pub sector: Sector,
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// Entry-grade classes the school can open.
    pub classes: u32,
    /// Effective class size limit: min(class_cap, the level's max_class_size).
    pub cap: u32,
    /// The `class_cap` as declared (today's class size, which may be above
    /// the standard); `None` when blank.
    pub class_cap_declared: Option<u32>,
    /// Seats held back.
    pub reserved: u32,
    /// Fewest classes the school must open (optional `min_classes` column,
    /// default 0); used by class planning.
    pub min_classes: u32,
    /// Seats: classes × cap − reserved, never below 0.
    pub capacity: u32,
    /// The school may be merged away by `catchment sites --close` (optional
    /// `closable` column, 0 or 1, default 0; public schools only).
    pub closable: bool,
    /// Teachers, floor area and equipment (optional columns), for the
    /// balance indicators.
    pub resources: Resources,
    /// Line in `schools.csv`.
    pub line: u64,
}

/// A school's resources from the optional `schools.csv` columns `teachers`,
/// `floor_area_m2` and `equipment_value` (`None` when blank or absent).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Resources {
    /// Full-time teachers.
    pub teachers: Option<f64>,
    /// Teaching and support floor area, m².
    pub floor_area_m2: Option<f64>,
    /// Value of teaching equipment (yuan).
    pub equipment_value: Option<f64>,
}

/// A child applying for an entry grade (a row of `applicants.csv`).
#[derive(Debug, Clone)]
pub struct Applicant {
    /// Pseudonymous applicant id.
    pub id: String,
    /// Entry grade applied for.
    pub level: Level,
    /// Home longitude, degrees.
    pub lon: f64,
    /// Home latitude, degrees.
    pub lat: f64,
    /// Household id (default: the applicant id).
    pub household: String,
    /// Admission tier; 1 is served first.
    pub priority: u32,
    /// Zone assigned by the registry, overriding the point-in-zone lookup.
    pub zone: Option<ZoneIdx>,
    /// Private schools applied to, most wanted first.
    pub private_choices: Vec<SchoolIdx>,
    /// Ranking of schools inside a multi-school zone.
    pub public_choices: Vec<SchoolIdx>,
    /// Group id (twins, siblings), drawn and placed together.
    pub group: Option<String>,
    /// Line in `applicants.csv`.
    pub line: u64,
}

/// A catchment zone (施教区) of one level, with its schools.
#[derive(Debug, Clone)]
pub struct Zone {
    /// Zone id.
    pub id: String,
    /// Level of the zone and its schools.
    pub level: Level,
    /// Schools of the zone, sorted by id. One: single-school zone;
    /// several: multi-school zone.
    pub schools: Vec<SchoolIdx>,
    /// Area, WGS84 lon/lat.
    pub area: MultiPolygon<f64>,
    /// 0-based index of the feature in `zones.geojson`.
    pub feature: usize,
}

/// SHA-256 of one input file, for the manifest.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// File name inside the scenario folder.
    pub name: String,
    /// Lowercase hex SHA-256 of its bytes.
    pub sha256: String,
}

/// Everything a round needs, typed and validated.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The scenario folder.
    pub dir: PathBuf,
    /// The rules of the round.
    pub policy: Policy,
    /// Schools sorted by id.
    pub schools: Vec<School>,
    /// Applicants sorted by id.
    pub applicants: Vec<Applicant>,
    /// Zones sorted by id (empty when there is no `zones.geojson`).
    pub zones: Vec<Zone>,
    /// Road distances when `distance.metric = "matrix"`.
    pub matrix: Option<DistanceMatrix>,
    /// Hashes of the input files that were read.
    pub inputs: Vec<InputFile>,
    /// Warnings found while loading.
    pub warnings: Diagnostics,
    /// The coordinate system the inputs were read in (converted to WGS84).
    pub crs: crate::crs::Crs,
    /// The coordinate system of the zones, when it differs from `crs` (a
    /// shapefile whose `.prj` names its own).
    pub zones_crs: Option<crate::crs::Crs>,
    /// The text encoding the CSV and GeoJSON files were read in.
    pub encoding: table::Encoding,
    /// The field separator the CSV files were read with (`--delimiter`);
    /// `None` for a comma.
    pub delimiter: Option<u8>,
    /// Whether zone geometry was repaired (`--repair`).
    pub repair: bool,
}

impl Scenario {
    /// Index of the school with this id.
    pub fn school_index(&self, id: &str) -> Option<SchoolIdx> {
        index_of(&self.schools, id, |s| &s.id).map(SchoolIdx)
    }

    /// Index of the applicant with this id.
    pub fn applicant_index(&self, id: &str) -> Option<AppIdx> {
        index_of(&self.applicants, id, |a| &a.id).map(AppIdx)
    }

    /// The school at an index.
    pub fn school(&self, i: SchoolIdx) -> &School {
        &self.schools[i.index()]
    }

    /// The applicant at an index.
    pub fn applicant(&self, i: AppIdx) -> &Applicant {
        &self.applicants[i.index()]
    }

    /// The zone at an index.
    pub fn zone(&self, i: ZoneIdx) -> &Zone {
        &self.zones[i.index()]
    }
}

fn index_of<T>(items: &[T], id: &str, key: impl Fn(&T) -> &String) -> Option<u32> {
    items
        .binary_search_by(|x| key(x).as_bytes().cmp(id.as_bytes()))
        .ok()
        .map(|i| i as u32)
}

/// Options that change how a scenario is read. A flag given here overrides
/// the same key in `policy.toml`.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Coordinate system of the input coordinates (`--crs`); converted to
    /// WGS84 on load.
    pub crs: Option<crate::crs::Crs>,
    /// Text encoding of the CSV and GeoJSON files (`--encoding`).
    pub encoding: Option<table::Encoding>,
    /// Read the zones from this GeoJSON file instead of the scenario's
    /// `zones.geojson` (a proposed map for `catchment compare`); it goes
    /// through the same parser and validation, and its hash is recorded as
    /// the input `zones.geojson`.
    pub zones: Option<PathBuf>,
    /// Repair invalid zone geometry (close rings, drop repeated positions,
    /// split self-intersections) instead of rejecting it; each change is a
    /// warning.
    pub repair: bool,
    /// The sheet to read from `schools.xlsx` / `applicants.xlsx`
    /// (`--sheet`); default: each workbook's first.
    pub sheet: Option<String>,
    /// Field separator of the CSV files (`--delimiter`); `None` is a comma.
    pub delimiter: Option<u8>,
}

impl LoadOptions {
    /// The encoding to read with: the flag, else the policy's, else UTF-8.
    pub fn encoding(&self, policy: Option<&Policy>) -> table::Encoding {
        self.encoding.or(policy.and_then(|p| p.encoding)).unwrap_or_default()
    }

    /// The input coordinate system: the flag, else the policy's, else WGS84.
    pub fn crs(&self, policy: Option<&Policy>) -> crate::crs::Crs {
        self.crs.or(policy.and_then(|p| p.crs)).unwrap_or_default()
    }
}

/// Converts the coordinates of schools and homes from a projected `crs`
/// (metres) to WGS84, reporting each point outside the system's area of
/// use at its line.
fn project_points(crs: crate::crs::Crs, schools: &mut [School], applicants: &mut [Applicant], diags: &mut Diagnostics) {
    if !crs.is_projected() {
        return;
    }
    let converter = crs.converter();
    let mut convert = |file: &str, line: u64, lon: &mut f64, lat: &mut f64| match converter.to_wgs84(*lon, *lat) {
        Ok(p) => (*lon, *lat) = p,
        Err(why) => diags.error(file, crate::error::Location::Line(line), format!("lon, lat {why}")),
    };
    for s in schools {
        convert("schools.csv", s.line, &mut s.lon, &mut s.lat);
    }
    for a in applicants {
        convert("applicants.csv", a.line, &mut a.lon, &mut a.lat);
    }
}

/// Converts the coordinates of schools and homes from `crs`, and of zones
/// from `zones_crs`, to WGS84 (GCJ-02 and BD-09; projected systems are
/// converted while loading).
fn convert_to_wgs84(
    crs: crate::crs::Crs,
    zones_crs: crate::crs::Crs,
    schools: &mut [School],
    applicants: &mut [Applicant],
    zones: &mut [Zone],
) {
    use geo::MapCoordsInPlace;
    if !crs.is_projected() && crs != crate::crs::Crs::Wgs84 {
        for s in schools {
            (s.lon, s.lat) = crate::crs::to_wgs84(crs, s.lon, s.lat);
        }
        for a in applicants {
            (a.lon, a.lat) = crate::crs::to_wgs84(crs, a.lon, a.lat);
        }
    }
    let crs = zones_crs;
    if crs.is_projected() || crs == crate::crs::Crs::Wgs84 {
        return;
    }
    for z in zones {
        z.area.map_coords_in_place(|c| {
            let (x, y) = crate::crs::to_wgs84(crs, c.x, c.y);
            geo::Coord { x, y }
        });
    }
}

/// Loads and validates a scenario folder. On failure the error lists every
/// problem found (errors and warnings); on success the warnings are in
/// [`Scenario::warnings`].
pub fn load(dir: &Path, options: &LoadOptions) -> Result<Scenario, Error> {
    let mut diags = Diagnostics::default();
    if !dir.is_dir() {
        diags.error(
            &dir.display().to_string(),
            crate::error::Location::File,
            "scenario folder not found (expected a folder with schools.csv, applicants.csv, policy.toml)",
        );
        return Err(Error::Input(diags));
    }
    let policy = policy::load(dir, &mut diags);
    let crs = options.crs(policy.as_ref());
    let src = table::Source {
        projected: crs.is_projected(),
        sheet: options.sheet.as_deref(),
        delimiter: options.delimiter,
        ..table::Source::new(dir, options.encoding(policy.as_ref()))
    };
    let (mut schools, broken_schools, schools_readable) = schools::load(&src, policy.as_ref(), &mut diags);
    let school_ids = SchoolIds {
        valid: schools
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), SchoolIdx(i as u32)))
            .collect(),
        broken: broken_schools,
        unreadable: !schools_readable,
    };
    // Without a usable policy the rule is unknown: read zones only if present.
    let shapefile = zones_shapefile(dir, options);
    let needs_zones = policy.as_ref().is_some_and(|p| p.rule == Rule::Zone)
        || dir.join("zones.geojson").exists()
        || shapefile.is_some()
        || options.zones.is_some();
    let errors_before_zones = diags.error_count();
    let mut zones_crs = crs;
    let converter = crs.converter();
    let how = zones::Reading {
        file: "zones.geojson",
        repair: options.repair,
        projected: crs.is_projected().then_some(&converter),
    };
    let mut zones = if let Some(shp) = &shapefile {
        match shapefile::crs(shp, crs, &mut diags) {
            Some(c) => {
                zones_crs = c;
                shapefile::load(shp, c, src.encoding, &schools, &school_ids, options.repair, &mut diags)
            }
            None => Vec::new(),
        }
    } else if let Some(path) = &options.zones {
        zones::load_file(path, src.encoding, &schools, &school_ids, &how, &mut diags)
    } else if needs_zones {
        zones::load(&src, &schools, &school_ids, &how, &mut diags)
    } else {
        Vec::new()
    };
    let zone_ids: HashMap<&str, ZoneIdx> = zones
        .iter()
        .enumerate()
        .map(|(i, z)| (z.id.as_str(), ZoneIdx(i as u32)))
        .collect();
    let max_private = policy.as_ref().map_or(u32::MAX, |p| p.max_private_choices);
    let zones_unreadable = zones.is_empty() && diags.error_count() > errors_before_zones;
    let mut applicants = applicants::load(
        &src,
        &schools,
        &school_ids,
        &zones,
        (!zones_unreadable).then_some(&zone_ids),
        max_private,
        options.zones.is_some(),
        &mut diags,
    );
    let matrix = match &policy {
        Some(p) if p.metric == DistanceMetric::Matrix => {
            distances::load(&src, &p.matrix_file, &schools, &school_ids, &applicants, &mut diags)
        }
        _ => None,
    };
    project_points(crs, &mut schools, &mut applicants, &mut diags);
    if diags.has_errors() {
        return Err(Error::Input(diags));
    }
    let Some(policy) = policy else {
        return Err(Error::Input(diags));
    };
    convert_to_wgs84(crs, zones_crs, &mut schools, &mut applicants, &mut zones);
    let mut inputs = Vec::new();
    let mut names = vec![
        table::input_name(dir, "schools.csv"),
        table::input_name(dir, "applicants.csv"),
        "policy.toml".to_string(),
    ];
    if policy.metric == DistanceMetric::Matrix {
        names.push(table::input_name(dir, &policy.matrix_file));
    }
    let mut paths: Vec<(String, PathBuf)> = names.into_iter().map(|n| (n.clone(), dir.join(n))).collect();
    match (&shapefile, &options.zones) {
        (Some(shp), _) => {
            for part in shapefile::parts(shp) {
                let ext = part
                    .extension()
                    .map_or(String::new(), |e| e.to_string_lossy().to_string());
                paths.push((format!("zones.{ext}"), part));
            }
        }
        (None, Some(zones)) => paths.push(("zones.geojson".to_string(), zones.clone())),
        (None, None) => paths.push(("zones.geojson".to_string(), dir.join("zones.geojson"))),
    }
    for (name, path) in paths {
        if path.is_file() {
            inputs.push(InputFile {
                name,
                sha256: crate::lottery::sha256_file(&path).map_err(|e| Error::io(&path, e))?,
            });
        }
    }
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Scenario {
        dir: dir.to_path_buf(),
        policy,
        schools,
        applicants,
        zones,
        matrix,
        inputs,
        warnings: diags,
        crs,
        zones_crs: (zones_crs != crs).then_some(zones_crs),
        encoding: src.encoding,
        delimiter: options.delimiter,
        repair: options.repair,
    })
}

/// The shapefile to read zones from: `--zones` when it names a `.shp`,
/// else the scenario's `zones.shp` when there is no `zones.geojson`.
fn zones_shapefile(dir: &Path, options: &LoadOptions) -> Option<PathBuf> {
    match &options.zones {
        Some(path) => path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("shp"))
            .then(|| path.clone()),
        None => (!dir.join("zones.geojson").exists() && dir.join("zones.shp").exists()).then(|| dir.join("zones.shp")),
    }
}

/// The school ids of `schools.csv`: those of valid rows, and those of rows
/// with errors (already reported), so that references to the latter are not
/// reported a second time as unknown schools.
pub struct SchoolIds<'a> {
    valid: HashMap<&'a str, SchoolIdx>,
    broken: std::collections::HashSet<String>,
    /// `schools.csv` could not be read at all (its header is reported):
    /// references to schools are then not checked, so that one header
    /// problem is not repeated on every row that names a school.
    unreadable: bool,
}

impl SchoolIds<'_> {
    /// The index of a valid school.
    pub fn get(&self, id: &str) -> Option<&SchoolIdx> {
        self.valid.get(id)
    }

    /// True when the id is on a row of `schools.csv` that has errors, or
    /// when `schools.csv` could not be read at all.
    pub fn is_broken(&self, id: &str) -> bool {
        self.unreadable || self.broken.contains(id)
    }
}

/// Records an error for every id that appears more than once.
pub(crate) fn check_unique<'a>(file: &str, ids: impl Iterator<Item = (&'a str, u64)>, diags: &mut Diagnostics) {
    // (id, position, line), sorted: each id's rows together, in the order
    // given. Sorting beats hashing at a province's two million ids.
    let mut rows: Vec<(&str, usize, u64)> = ids.enumerate().map(|(i, (id, line))| (id, i, line)).collect();
    rows.par_sort_unstable();
    // (position, id, line, the line of the id's previous row).
    let mut repeats: Vec<(usize, &str, u64, u64)> = rows
        .windows(2)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| (pair[1].1, pair[1].0, pair[1].2, pair[0].2))
        .collect();
    repeats.sort_unstable();
    for (_, id, line, first) in repeats {
        diags.error(
            file,
            crate::error::Location::Line(line),
            format!("id {id:?} is already used on line {first}; ids must be unique"),
        );
    }
}

#[cfg(test)]
mod unique_tests {
    use super::*;

    /// Every repeat is reported at its own line against the id's previous
    /// row, in the order the rows were given (here not the line order).
    #[test]
    fn repeats_name_the_previous_row_in_order_given() {
        let rows = [("B", 9), ("A", 2), ("B", 4), ("C", 5), ("B", 3), ("A", 7)];
        let mut diags = Diagnostics::default();
        check_unique("t.csv", rows.into_iter(), &mut diags);
        let seen: Vec<(crate::error::Location, String)> =
            diags.sorted().into_iter().map(|d| (d.location, d.message)).collect();
        let repeat = |line: u64, id: &str, first: u64| {
            (
                crate::error::Location::Line(line),
                format!("id {id:?} is already used on line {first}; ids must be unique"),
            )
        };
        assert_eq!(seen, vec![repeat(3, "B", 4), repeat(4, "B", 9), repeat(7, "A", 2)]);
        let mut none = Diagnostics::default();
        check_unique("t.csv", [("A", 1), ("B", 2)].into_iter(), &mut none);
        assert!(none.is_empty());
    }
}
