//! `candidates.csv`: the sites where a new school could be built
//! (`id,name,level,lon,lat,classes`, optional `class_cap`), with the same
//! meaning as in `schools.csv` (spec §1). Seats are
//! `classes × min(class_cap, max_class_size of the level)`.

use std::path::Path;

use crate::error::{Diagnostics, Error, Location};
use crate::scenario::{table, Level, Scenario};

const REQUIRED: &[&str] = &["id", "name", "level", "lon", "lat", "classes"];
const OPTIONAL: &[&str] = &["class_cap"];

/// A candidate site (a row of `candidates.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Site id (must not clash with a school id).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Entry grade the new school would enrol.
    pub level: Level,
    /// WGS84 longitude (converted from the scenario's CRS), degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// The coordinates as written in the file (for the scenario copy).
    pub lon_text: String,
    /// The latitude as written.
    pub lat_text: String,
    /// Entry-grade classes.
    pub classes: u32,
    /// The `class_cap` as written, if any.
    pub class_cap: Option<u32>,
    /// Seats: classes × effective class cap.
    pub seats: u32,
    /// Line in the file.
    pub line: u64,
}

/// The candidate sites, sorted by id, with the file's name for messages.
#[derive(Debug, Clone)]
pub struct Candidates {
    /// File name as messages name it.
    pub file: String,
    /// Sites sorted by id.
    pub sites: Vec<Candidate>,
    /// Warnings found while loading.
    pub warnings: Diagnostics,
}

/// Reads a candidates file for `scenario`: every problem is collected;
/// ids clashing with a school id, bad levels, coordinates or classes are
/// errors; a candidate on an existing school's exact location is a warning.
pub fn load(path: &Path, scenario: &Scenario) -> Result<Candidates, Error> {
    let mut diags = Diagnostics::default();
    let file = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().to_string());
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let src = table::Source::new(dir, scenario.encoding).with_delimiter(scenario.delimiter);
    let mut sites = Vec::new();
    table::read(&src, &file, REQUIRED, OPTIONAL, &mut diags, |row, diags| {
        let errors = diags.error_count();
        let id = row.required("id", diags);
        let name = row.get("name").unwrap_or_default();
        let level = row.level(diags);
        let lon = row.coordinate("lon", 180.0, diags);
        let lat = row.coordinate("lat", 90.0, diags);
        let classes = row.parse::<u32>("classes", "a whole number ≥ 0", diags);
        let class_cap = row.parse_opt::<u32>("class_cap", "a whole number ≥ 1", diags);
        if let Ok(Some(0)) = class_cap {
            diags.error(&file, Location::Line(row.line), "class_cap 0 must be at least 1");
        }
        if let Some(id) = id {
            if scenario.school_index(id).is_some() {
                diags.error(
                    &file,
                    Location::Line(row.line),
                    format!(
                        "id {id:?} is already a school id in schools.csv; candidate ids must differ from school ids"
                    ),
                );
            }
        }
        if diags.error_count() > errors {
            return;
        }
        let (Some(id), Some(level), Some(lon), Some(lat), Some(classes), Ok(class_cap)) =
            (id, level, lon, lat, classes, class_cap)
        else {
            return;
        };
        let policy_cap = scenario.policy.max_class_size(level);
        let cap = class_cap.unwrap_or(policy_cap).min(policy_cap);
        let seats = (u64::from(classes) * u64::from(cap)).min(u64::from(u32::MAX)) as u32;
        let (wlon, wlat) = crate::crs::to_wgs84(scenario.crs, lon, lat);
        sites.push(Candidate {
            id: id.to_string(),
            name: name.to_string(),
            level,
            lon: wlon,
            lat: wlat,
            lon_text: row.get("lon").unwrap_or_default().to_string(),
            lat_text: row.get("lat").unwrap_or_default().to_string(),
            classes,
            class_cap,
            seats,
            line: row.line,
        });
    });
    crate::scenario::check_unique(&file, sites.iter().map(|c| (c.id.as_str(), c.line)), &mut diags);
    if diags.has_errors() {
        return Err(Error::Input(diags));
    }
    sites.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    for c in &sites {
        if let Some(s) = scenario
            .schools
            .iter()
            .find(|s| s.level == c.level && s.lon == c.lon && s.lat == c.lat)
        {
            diags.warning(
                &file,
                Location::Line(c.line),
                format!("candidate {} is at the exact location of school {}", c.id, s.id),
            );
        }
    }
    Ok(Candidates {
        file,
        sites,
        warnings: diags,
    })
}

/// A synthetic `candidates.csv` for a generated scenario (`catchment
/// generate --candidates N`): `count` sites at the homes of applicants drawn
/// with `seed` from `applicants` (the scenario's `applicants.csv`), two
/// thirds primary, each moved up to about 100 m, with 3 to 6 entry classes.
/// Same inputs, same bytes.
///
/// # Errors
/// A message when `applicants.csv` cannot be parsed or has no applicant of
/// a level that should get candidates.
///
/// ```
/// let applicants = "id,level,lon,lat\na1,primary,116.3,39.9\na2,junior,116.31,39.91\n";
/// let csv = catchment::sites::candidates::synthetic(applicants.as_bytes(), 3, 7).unwrap();
/// assert!(csv.starts_with("id,name,level,lon,lat,classes\n"));
/// assert_eq!(csv.lines().count(), 4);
/// ```
pub fn synthetic(applicants: &[u8], count: usize, seed: u64) -> Result<String, String> {
    use rand::{Rng, SeedableRng};
    let mut homes: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
    let mut r = csv::Reader::from_reader(applicants);
    let header = r.headers().map_err(|e| e.to_string())?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("applicants.csv has no {name} column"))
    };
    let (level, lon, lat) = (col("level")?, col("lon")?, col("lat")?);
    for record in r.records() {
        let record = record.map_err(|e| e.to_string())?;
        let parse = |c: usize| record.get(c).and_then(|v| v.parse::<f64>().ok());
        if let (Some(l), Some(x), Some(y)) = (record.get(level).and_then(Level::parse), parse(lon), parse(lat)) {
            homes[l.index()].push((x, y));
        }
    }
    let junior = count / 3;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5173_5173);
    let mut out = String::from("id,name,level,lon,lat,classes\n");
    let width = count.max(1).to_string().len();
    for n in 0..count {
        let level = if n < count - junior {
            Level::Primary
        } else {
            Level::Junior
        };
        let list = &homes[level.index()];
        if list.is_empty() {
            return Err(format!(
                "applicants.csv has no {} applicant to place candidates near",
                level.as_str()
            ));
        }
        let (x, y) = list[rng.random_range(0..list.len())];
        let (dx, dy): (f64, f64) = (rng.random_range(-0.001..0.001), rng.random_range(-0.001..0.001));
        let classes: u32 = rng.random_range(3..=6);
        out.push_str(&format!(
            "C{:0width$},Candidate site {},{},{:.7},{:.7},{classes}\n",
            n + 1,
            n + 1,
            level.as_str(),
            x + dx,
            y + dy
        ));
    }
    Ok(out)
}
