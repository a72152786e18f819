//! Seat forecast and shortage warning (学位预警).
//!
//! A planner counts the children living in each community by birth year
//! (`population.csv`), and asks, for each of the coming school years, how
//! many will enter grade 1 (and grade 7) in each catchment zone and whether
//! the zone's schools have the seats.
//!
//! **`population.csv`.** One row per community (or per zone):
//! - `zone`: the zone(s) the row belongs to, `;`-separated, at most one per
//!   level; or `lon`,`lat`: a point placed in one zone per level by the
//!   same point-in-zone lookup the round uses (converted from `--crs`);
//! - `born_YYYY`: resident children born in calendar year YYYY (any number
//!   of such columns); the latest such year is the **census year B**;
//! - `grade_1` … `grade_6` (optional): pupils in each primary grade at the
//!   census;
//! - `net_migration_rate` (optional): the community's annual net migration
//!   as a fraction (0.02 = +2 % a year, −0.01 = −1 %), default 0;
//! - `id` (optional): a community id, only for messages.
//!
//! **Cohort rule.** The counts are taken in year B, before the school year
//! that starts in September B+1. A child born in year Y turns 6 in year
//! Y+6 and enters grade 1 in September of Y+6 (the usual "six by 31
//! August" rule, with birth years standing in for birth dates: children
//! born September–December enter a year later in practice, which
//! birth-year counts cannot see). A pupil in grade k at the census enters
//! grade 7 in September of B+7−k (grade 6 → B+1). The forecast covers the
//! school years B+1 … B+`years`. Entrants in year T are the cohort's
//! count × (1 + rate)^(T − B), summed over the zone's rows (in sorted
//! order, so the result does not depend on row order) and rounded to the
//! whole child.
//!
//! **Seats.** A zone's seats are the sum of the capacities of its schools
//! (spec: classes × min(class_cap, max_class_size) − reserved). Surplus is
//! seats − entrants (negative: a shortage); classes short =
//! ⌈shortage / max_class_size⌉, the level's standard class size.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::error::{Diagnostics, Error, Location};
use crate::geo_index::ZoneIndex;
use crate::output::OutputFile;
use crate::scenario::{table, Level, LoadOptions, Scenario, ZoneIdx};

/// One community's row of `population.csv`, with its zones found.
#[derive(Debug, Clone)]
pub struct Community {
    /// Zone per level (`None`: outside every zone of that level).
    pub zones: [Option<ZoneIdx>; 2],
    /// Children by birth year.
    pub born: BTreeMap<i32, f64>,
    /// Pupils in grade k (index k − 1) at the census.
    pub grades: [Option<f64>; 6],
    /// Annual net migration rate.
    pub rate: f64,
    /// Line in `population.csv`.
    pub line: u64,
}

/// The contents of `population.csv`.
#[derive(Debug, Clone)]
pub struct Population {
    /// File name, for messages.
    pub file: String,
    /// The census year B (latest `born_YYYY`).
    pub census_year: i32,
    /// The birth years that have a column.
    pub birth_years: Vec<i32>,
    /// Whether any `grade_k` column is present.
    pub has_grades: bool,
    /// The rows.
    pub communities: Vec<Community>,
    /// Warnings (rows outside every zone).
    pub warnings: Diagnostics,
}

/// One line of the forecast: a zone, level and school year.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastRow {
    /// Zone index in the scenario.
    pub zone: ZoneIdx,
    /// Level.
    pub level: Level,
    /// School year (starting in September of this year).
    pub year: i32,
    /// Forecast entrants.
    pub entrants: u64,
    /// Seats of the zone's schools.
    pub seats: u64,
    /// seats − entrants.
    pub surplus: i64,
    /// ⌈shortage / class size⌉, 0 without a shortage.
    pub classes_short: u64,
}

fn born_year(column: &str) -> Option<i32> {
    let digits = column.strip_prefix("born_")?;
    (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

const GRADES: [&str; 6] = ["grade_1", "grade_2", "grade_3", "grade_4", "grade_5", "grade_6"];

/// Reads `path` (a `population.csv`) and places its rows in the scenario's
/// zones. Input problems are returned together, each with file and line.
pub fn load_population(path: &Path, scenario: &Scenario, options: &LoadOptions) -> Result<Population, Error> {
    let file = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().to_string());
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let src = table::Source::new(dir, options.encoding(Some(&scenario.policy))).with_delimiter(options.delimiter);
    let crs = options.crs(Some(&scenario.policy));
    let mut diags = Diagnostics::default();
    let Some(bytes) = table::read_input(&src, &file, "", &mut diags) else {
        return Err(Error::Input(diags));
    };
    // The header decides which born_YYYY columns are known.
    let header: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
        .unwrap_or_default();
    let birth_years: Vec<i32> = {
        let mut y: Vec<i32> = header.iter().filter_map(|c| born_year(c)).collect();
        y.sort_unstable();
        y
    };
    let has_grades = header.iter().any(|c| GRADES.contains(&c.as_str()));
    let mut optional: Vec<&str> = vec!["id", "zone", "lon", "lat", "net_migration_rate"];
    optional.extend(GRADES);
    optional.extend(header.iter().filter(|c| born_year(c).is_some()).map(String::as_str));
    if birth_years.is_empty() && !has_grades && !bytes.is_empty() {
        diags.error(
            &file,
            Location::Line(1),
            "no born_YYYY (children by birth year) or grade_1..grade_6 columns",
        );
        return Err(Error::Input(diags));
    }
    let index = ZoneIndex::new(&scenario.zones);
    let zone_ids: BTreeMap<&str, ZoneIdx> = scenario
        .zones
        .iter()
        .enumerate()
        .map(|(i, z)| (z.id.as_str(), ZoneIdx(i as u32)))
        .collect();
    let mut communities = Vec::new();
    let mut outside: [(u64, u64); 2] = [(0, 0); 2];
    let ok = table::read_bytes(&bytes, &file, &[], &optional, &mut diags, &mut |row, diags| {
        let errors = diags.error_count();
        let here = Location::Line(row.line);
        let mut zones: [Option<ZoneIdx>; 2] = [None, None];
        let listed = row.list("zone");
        if !listed.is_empty() {
            for id in listed {
                match zone_ids.get(id) {
                    Some(&z) => {
                        let level = scenario.zone(z).level;
                        if zones[level.index()].replace(z).is_some() {
                            diags.error(
                                &file,
                                here.clone(),
                                format!("zone lists two {} zones; give at most one per level", level.as_str()),
                            );
                        }
                    }
                    None => diags.error(&file, here.clone(), format!("zone {id:?} is not in zones.geojson")),
                }
            }
        } else if row.get("lon").is_some() || row.get("lat").is_some() {
            let lon = row.coordinate("lon", 180.0, diags);
            let lat = row.coordinate("lat", 90.0, diags);
            if let (Some(lon), Some(lat)) = (lon, lat) {
                let (lon, lat) = crate::crs::to_wgs84(crs, lon, lat);
                for level in Level::ALL {
                    zones[level.index()] = index.locate(level, lon, lat).zone;
                }
            }
        } else {
            diags.error(&file, here.clone(), "needs a zone, or lon and lat");
        }
        let count = |column: &str, diags: &mut Diagnostics| -> Option<f64> {
            match row.parse_opt::<f64>(column, "a number of children ≥ 0", diags) {
                Ok(Some(v)) if v.is_finite() && v >= 0.0 => Some(v),
                Ok(Some(v)) => {
                    diags.error(&file, here.clone(), format!("{column} {v} must be a number ≥ 0"));
                    None
                }
                _ => None,
            }
        };
        let mut born = BTreeMap::new();
        for &y in &birth_years {
            born.insert(y, count(&format!("born_{y}"), diags).unwrap_or(0.0));
        }
        let mut grades = [None; 6];
        for (k, g) in GRADES.iter().enumerate() {
            grades[k] = count(g, diags);
        }
        let rate = match row.parse_opt::<f64>("net_migration_rate", "a fraction such as 0.02", diags) {
            Ok(Some(r)) if r.is_finite() && r > -1.0 && r < 1.0 => r,
            Ok(Some(r)) => {
                diags.error(
                    &file,
                    here.clone(),
                    format!("net_migration_rate {r} must be a yearly fraction between -1 and 1 (0.02 = +2 %)"),
                );
                0.0
            }
            _ => 0.0,
        };
        if diags.error_count() > errors {
            return;
        }
        let has_births = born.values().any(|&v| v > 0.0);
        let has_pupils = grades.iter().flatten().any(|&v| v > 0.0);
        for (level, needed) in [(Level::Primary, has_births), (Level::Junior, has_pupils)] {
            if needed && zones[level.index()].is_none() {
                let o = &mut outside[level.index()];
                if o.0 == 0 {
                    o.1 = row.line;
                }
                o.0 += 1;
            }
        }
        communities.push(Community {
            zones,
            born,
            grades,
            rate,
            line: row.line,
        });
    });
    if !ok || diags.has_errors() {
        return Err(Error::Input(diags));
    }
    for level in Level::ALL {
        let (n, first) = outside[level.index()];
        if n > 0 {
            diags.warning(
                &file,
                Location::Line(first),
                format!(
                    "{n} row(s) lie in no {} zone (first on this line); their children are left out of the forecast",
                    level.as_str()
                ),
            );
        }
    }
    let census_year = birth_years.last().copied().unwrap_or(0);
    if birth_years.is_empty() {
        diags.error(
            &file,
            Location::Line(1),
            "no born_YYYY column: the census year (the latest birth year) is unknown",
        );
        return Err(Error::Input(diags));
    }
    Ok(Population {
        file,
        census_year,
        birth_years,
        has_grades,
        communities,
        warnings: diags,
    })
}

/// Forecasts entrants per zone, level and school year for the `years`
/// school years after the census. A year whose cohort has no column is an
/// error (naming the column needed). Junior rows are forecast only when
/// `grade_k` columns are present, and only for the years they cover.
pub fn forecast(scenario: &Scenario, population: &Population, years: u32) -> Result<Vec<ForecastRow>, Error> {
    let b = population.census_year;
    let mut diags = Diagnostics::default();
    let has = |t: i32| population.birth_years.contains(&(t - 6));
    for t in b + 1..=b + years as i32 {
        if !has(t) {
            let possible = (b + 1..).take_while(|&t| has(t)).count();
            diags.error(
                &population.file,
                Location::Line(1),
                format!(
                    "the forecast for {t} needs column born_{} (children born in {} enter grade 1 in {t}); with these columns use --years {possible} or fewer",
                    t - 6,
                    t - 6,
                ),
            );
            return Err(Error::Input(diags));
        }
    }
    // Expected entrants per (zone, year), as a list of row contributions.
    let mut parts: BTreeMap<(ZoneIdx, i32), Vec<f64>> = BTreeMap::new();
    for c in &population.communities {
        for t in b + 1..=b + years as i32 {
            let growth = (1.0 + c.rate).powi(t - b);
            if let Some(z) = c.zones[Level::Primary.index()] {
                let n = c.born.get(&(t - 6)).copied().unwrap_or(0.0);
                parts.entry((z, t)).or_default().push(n * growth);
            }
            let k = 7 - (t - b); // grade at the census of those entering grade 7 in t
            if let (Some(z), true) = (c.zones[Level::Junior.index()], (1..=6).contains(&k)) {
                let n = c.grades[(k - 1) as usize].unwrap_or(0.0);
                parts.entry((z, t)).or_default().push(n * growth);
            }
        }
    }
    let mut rows = Vec::new();
    for (zi, zone) in scenario.zones.iter().enumerate() {
        let zi = ZoneIdx(zi as u32);
        if zone.level == Level::Junior && !population.has_grades {
            continue;
        }
        let seats: u64 = zone
            .schools
            .iter()
            .map(|&s| u64::from(scenario.school(s).capacity))
            .sum();
        let cap = u64::from(scenario.policy.max_class_size(zone.level).max(1));
        let last = match zone.level {
            Level::Primary => b + years as i32,
            Level::Junior => (b + years as i32).min(b + 6),
        };
        for t in b + 1..=last {
            let mut v = parts.get(&(zi, t)).cloned().unwrap_or_default();
            v.sort_by(f64::total_cmp);
            let entrants = v.iter().sum::<f64>().round() as u64;
            let surplus = seats as i64 - entrants as i64;
            let shortage = (-surplus).max(0) as u64;
            rows.push(ForecastRow {
                zone: zi,
                level: zone.level,
                year: t,
                entrants,
                seats,
                surplus,
                classes_short: shortage.div_ceil(cap),
            });
        }
    }
    rows.sort_by(|a, b| {
        (a.level, scenario.zone(a.zone).id.as_bytes(), a.year).cmp(&(
            b.level,
            scenario.zone(b.zone).id.as_bytes(),
            b.year,
        ))
    });
    Ok(rows)
}

/// `forecast.csv`: `zone_id,level,year,entrants,seats,surplus,classes_short,schools`.
pub fn forecast_csv(scenario: &Scenario, rows: &[ForecastRow]) -> Vec<u8> {
    let mut out = String::from("zone_id,level,year,entrants,seats,surplus,classes_short,schools\n");
    for r in rows {
        let zone = scenario.zone(r.zone);
        let schools: Vec<&str> = zone.schools.iter().map(|&s| scenario.school(s).id.as_str()).collect();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            csv_cell(&zone.id),
            r.level.as_str(),
            r.year,
            r.entrants,
            r.seats,
            r.surplus,
            r.classes_short,
            csv_cell(&schools.join(";"))
        );
    }
    out.into_bytes()
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The school years of the forecast, in order.
pub(crate) fn years_of(rows: &[ForecastRow]) -> Vec<i32> {
    let mut y: Vec<i32> = rows.iter().map(|r| r.year).collect();
    y.sort_unstable();
    y.dedup();
    y
}

/// Rows grouped per (level, zone), in output order.
pub(crate) fn by_zone(rows: &[ForecastRow]) -> Vec<(Level, ZoneIdx, Vec<&ForecastRow>)> {
    let mut groups: Vec<(Level, ZoneIdx, Vec<&ForecastRow>)> = Vec::new();
    for r in rows {
        match groups.last_mut() {
            Some((l, z, v)) if *l == r.level && *z == r.zone => v.push(r),
            _ => groups.push((r.level, r.zone, vec![r])),
        }
    }
    groups
}

/// The stdout table: per zone, its seats and each year's surplus
/// (shortages marked with the classes short in brackets).
pub fn forecast_table(scenario: &Scenario, rows: &[ForecastRow]) -> String {
    let years = years_of(rows);
    let mut out = String::new();
    let _ = write!(out, "{:<8} {:<24} {:>6}", "level", "zone", "seats");
    for y in &years {
        let _ = write!(out, " {y:>9}");
    }
    out.push('\n');
    for (level, z, v) in by_zone(rows) {
        let _ = write!(
            out,
            "{:<8} {:<24} {:>6}",
            level.as_str(),
            scenario.zone(z).id,
            v[0].seats
        );
        for y in &years {
            match v.iter().find(|r| r.year == *y) {
                Some(r) if r.classes_short > 0 => {
                    let _ = write!(out, " {:>9}", format!("{}({})", r.surplus, r.classes_short));
                }
                Some(r) => {
                    let _ = write!(out, " {:>9}", format!("+{}", r.surplus));
                }
                None => {
                    let _ = write!(out, " {:>9}", "");
                }
            }
        }
        out.push('\n');
    }
    let short: Vec<&ForecastRow> = rows.iter().filter(|r| r.classes_short > 0).collect();
    let zones: std::collections::BTreeSet<(Level, ZoneIdx)> = short.iter().map(|r| (r.level, r.zone)).collect();
    let _ = writeln!(
        out,
        "surplus = seats - entrants; a shortage shows the classes short in brackets. {} zone(s) short of seats in some year.",
        zones.len()
    );
    out
}

/// Loads the population, forecasts, and renders `forecast.csv` and
/// `forecast.html`.
pub fn run(
    scenario: &Scenario,
    population_path: &Path,
    years: u32,
    options: &LoadOptions,
) -> Result<(Population, Vec<ForecastRow>, Vec<OutputFile>), Error> {
    let population = load_population(population_path, scenario, options)?;
    let rows = forecast(scenario, &population, years)?;
    let mut files = vec![
        OutputFile {
            name: "forecast.csv",
            bytes: forecast_csv(scenario, &rows),
        },
        OutputFile {
            name: "forecast.html",
            bytes: crate::html::forecast::page(scenario, &population, &rows),
        },
    ];
    // A manifest makes the folder one that a later run may replace.
    let manifest = crate::output::manifest_json(scenario, &files, crate::output::WrittenAs::default());
    files.push(OutputFile {
        name: "manifest.json",
        bytes: manifest,
    });
    Ok((population, rows, files))
}
